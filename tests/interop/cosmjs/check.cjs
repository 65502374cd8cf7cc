// cosmjs's StargateClient and SigningStargateClient against the devnet's chain stub, over the
// CometBFT JSON-RPC endpoint the env file names (NILLION_NILCHAIN_JSON_RPC): connect, chain id,
// height, balance, account (and an unknown one), a signed MsgPayFor broadcast, the tx lookup,
// the new balance and sequence, the block holding the transaction, and a broadcast with the
// "auto" fee (cosmjs first simulates the transaction for its gas, as the official TS client pays).
// Usage: node check.cjs PATH/nillion-devnet.env (run by tests/interop/run.sh).
const { GasPrice, StargateClient, SigningStargateClient } = require("@cosmjs/stargate");
const { DirectSecp256k1Wallet, Registry } = require("@cosmjs/proto-signing");
const { BinaryWriter } = require("cosmjs-types/binary");
const { AuthInfo, TxRaw } = require("cosmjs-types/cosmos/tx/v1beta1/tx");
const fs = require("fs");

const env = Object.fromEntries(fs.readFileSync(process.argv[2], "utf8").split("\n")
  .filter((l) => l && !l.startsWith("#")).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));

// nillion.meta.v1.MsgPayFor {resource = 1, from_address = 2, amount = 3 (repeated {denom, amount})}.
const MsgPayFor = {
  encode(m, w = BinaryWriter.create()) {
    w.uint32(10).bytes(m.resource); w.uint32(18).string(m.fromAddress);
    for (const a of m.amount) { w.uint32(26).fork(); w.uint32(10).string(a.denom); w.uint32(18).string(a.amount); w.ldelim(); }
    return w;
  },
  decode() { throw new Error("not needed"); },
  fromPartial(o) { return o; },
};

(async () => {
  const results = [];
  const check = (name, ok, detail) => { results.push([name, ok]); console.log(`${ok ? "PASS" : "FAIL"} ${name} ${detail ?? ""}`); };
  // Funded key 9: no Python scenario pays with it.
  for (const url of [env.NILLION_NILCHAIN_JSON_RPC]) {
    const client = await StargateClient.connect(url);
    check("connect+getChainId", (await client.getChainId()) === env.NILLION_NILCHAIN_CHAIN_ID);
    const height = await client.getHeight();
    check("getHeight", height >= 1, height);
    const wallet = await DirectSecp256k1Wallet.fromKey(Buffer.from(env.NILLION_NILCHAIN_PRIVATE_KEY_9, "hex"), "nillion");
    const [{ address }] = await wallet.getAccounts();
    const balance = await client.getBalance(address, "unil");
    check("getBalance", balance.denom === "unil" && BigInt(balance.amount) > 1000n, JSON.stringify(balance));
    const account = await client.getAccount(address);
    check("getAccount", account && account.address === address, JSON.stringify(account));
    check("getAccount(unknown) is null", (await client.getAccount("nillion1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqn3aqhx")) === null);
    const registry = new Registry([["/nillion.meta.v1.MsgPayFor", MsgPayFor]]);
    const signing = await SigningStargateClient.connectWithSigner(url, wallet, { registry, gasPrice: GasPrice.fromString("0unil") });
    const msg = { typeUrl: "/nillion.meta.v1.MsgPayFor", value: { resource: new Uint8Array(32).fill(5), fromAddress: address, amount: [{ denom: "unil", amount: "1000" }] } };
    const fee = { amount: [{ denom: "unil", amount: "0" }], gas: "200000" };
    const result = await signing.signAndBroadcast(address, [msg], fee);
    check("signAndBroadcast (MsgPayFor)", result.code === 0, `${result.transactionHash} h=${result.height}`);
    const tx = await client.getTx(result.transactionHash);
    check("getTx", tx && tx.hash === result.transactionHash && tx.code === 0);
    const after = await client.getBalance(address, "unil");
    check("balance after", BigInt(after.amount) === BigInt(balance.amount) - 1000n, after.amount);
    check("sequence after", (await client.getSequence(address)).sequence === account.sequence + 1);
    const block = await client.getBlock(result.height);
    check("getBlock", block.header.height === result.height && block.txs.length === 1);
    const gas = await signing.simulate(address, [msg], "");
    check("simulate", Number.isInteger(gas) && gas > 0, gas);
    check("simulate changes nothing", (await client.getSequence(address)).sequence === account.sequence + 1);
    const auto = await signing.signAndBroadcast(address, [msg], "auto");
    check("signAndBroadcast (auto fee)", auto.code === 0, auto.transactionHash);
    const sent = await client.getTx(auto.transactionHash);
    const limit = AuthInfo.decode(TxRaw.decode(sent.tx).authInfoBytes).fee.gasLimit;
    check("auto fee's gas limit is 1.4 x the simulated gas", limit === BigInt(Math.round(gas * 1.4)), limit);
    check("sequence after auto", (await client.getSequence(address)).sequence === account.sequence + 2);
    client.disconnect(); signing.disconnect();
  }
  const failed = results.filter(([, ok]) => !ok).length;
  console.log(`${results.length - failed}/${results.length} passed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => { console.error("ERROR", e); process.exit(2); });
