from nada_dsl import (
    Party,
    SecretInteger,
    PublicInteger,
    PublicUnsignedInteger,
    UnsignedInteger,
    Input,
    Output,
)


def nada_main():
    p = Party(name="P")
    a = SecretInteger(Input(name="a", party=p))
    b = SecretInteger(Input(name="b", party=p))
    c = PublicInteger(Input(name="c", party=p))
    u = PublicUnsignedInteger(Input(name="u", party=p))
    v = PublicUnsignedInteger(Input(name="v", party=p))
    return [
        Output(a / c, "a_div_c", p),
        Output(a % c, "a_mod_c", p),
        Output(c / b, "c_div_b", p),
        Output(c % b, "c_mod_b", p),
        Output(u / v, "u_div_v", p),
        Output(u % v, "u_mod_v", p),
        Output(a.trunc_pr(UnsignedInteger(0)), "a_trunc_pr_0", p),
        Output(a >> UnsignedInteger(0), "a_shr_0", p),
    ]
