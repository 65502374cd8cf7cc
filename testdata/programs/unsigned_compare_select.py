from nada_dsl import (
    Party,
    SecretUnsignedInteger,
    PublicUnsignedInteger,
    PublicBoolean,
    UnsignedInteger,
    Input,
    Output,
)


def nada_main():
    owner = Party(name="Owner")
    judge = Party(name="Judge")
    x = SecretUnsignedInteger(Input(name="x", party=owner))
    y = SecretUnsignedInteger(Input(name="y", party=owner))
    t = PublicUnsignedInteger(Input(name="t", party=judge))
    flag = PublicBoolean(Input(name="flag", party=judge))
    return [
        Output((x - y) > t, "diff_gt_t", judge),
        Output(x < y, "x_lt_y", judge),
        Output(flag.if_else(x, y), "pick_by_flag", owner),
        Output((x <= y).if_else(t, UnsignedInteger(0)), "t_if_x_le_y", owner),
        Output(x.public_equals(y), "same", judge),
        Output(x != y, "differ", judge),
    ]
