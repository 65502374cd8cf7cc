from nada_dsl import Party, SecretBoolean, SecretInteger, Integer, Input, Output


def nada_main():
    voter = Party(name="Voter")
    teller = Party(name="Teller")
    s1 = SecretBoolean(Input(name="s1", party=voter))
    s2 = SecretBoolean(Input(name="s2", party=voter))
    a = SecretInteger(Input(name="a", party=voter))
    r = SecretBoolean.random()
    any_yes = (s1 | s2).to_public()
    return [
        Output(r ^ r, "always_false", teller),
        Output(any_yes, "any_yes", teller),
        Output(~any_yes, "none_yes", teller),
        Output(any_yes.if_else(a, Integer(-1)), "a_or_minus_one", voter),
        Output((a > Integer(10)).to_public(), "a_gt_10", teller),
    ]
