from nada_dsl import Party, SecretInteger, Integer, Array, Input, Output


def nada_main():
    analyst = Party(name="Analyst")
    xs = Array(SecretInteger(Input(name="xs", party=analyst)), size=4)
    ws = Array(SecretInteger(Input(name="ws", party=analyst)), size=4)
    start = SecretInteger(Input(name="start", party=analyst))

    def clamp(x: SecretInteger) -> SecretInteger:
        return (x < Integer(0)).if_else(Integer(0), x)

    def add(acc: SecretInteger, x: SecretInteger) -> SecretInteger:
        return acc + x

    def max2(acc: SecretInteger, x: SecretInteger) -> SecretInteger:
        return (acc < x).if_else(x, acc)

    clamped = xs.map(clamp)
    return [
        Output(clamped, "clamped", analyst),
        Output(clamped.reduce(add, start), "sum_clamped", analyst),
        Output(xs.reduce(max2, start), "max_from_start", analyst),
        Output(clamped.inner_product(ws), "weighted", analyst),
    ]
