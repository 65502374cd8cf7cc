from nada_dsl import Party, SecretInteger, Array, Input, Output, unzip


def nada_main():
    zipper = Party(name="Zipper")
    xs = Array(SecretInteger(Input(name="xs", party=zipper)), size=3)
    ys = Array(SecretInteger(Input(name="ys", party=zipper)), size=3)
    pairs = xs.zip(ys)
    return [
        Output(pairs, "pairs", zipper),
        Output(unzip(pairs), "unzipped", zipper),
    ]
