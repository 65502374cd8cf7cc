from nada_dsl import (
    Party,
    PublicInteger,
    PublicUnsignedInteger,
    Integer,
    UnsignedInteger,
    Input,
    Output,
)


def nada_main():
    clerk = Party(name="Clerk")
    m = PublicInteger(Input(name="m", party=clerk))
    e = PublicInteger(Input(name="e", party=clerk))
    u = PublicUnsignedInteger(Input(name="u", party=clerk))
    k = PublicUnsignedInteger(Input(name="k", party=clerk))
    return [
        Output(m ** e, "pow_signed", clerk),
        Output(u ** UnsignedInteger(3), "cube_unsigned", clerk),
        Output(u << k, "shl_unsigned", clerk),
        Output(u >> k, "shr_unsigned", clerk),
        Output(m >> k, "shr_signed", clerk),
        Output(u % UnsignedInteger(7), "mod_7", clerk),
        Output(m <= Integer(5), "m_le_5", clerk),
        Output(m >= e, "m_ge_e", clerk),
    ]
