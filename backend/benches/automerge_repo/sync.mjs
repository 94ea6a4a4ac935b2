// automerge-repo 2.x on the same workload as `cargo bench -p backend --bench sync_bytes`:
// a phone whose document holds H visits (already on the server) restarts, logs k visits
// offline (one change each) and reconnects; we count WebSocket payload bytes both ways,
// sync messages, and the time until the server's document holds all H + k records.
// Loopback only; everything under a temporary directory. Run from target/side-by-side
// (see BENCHMARKS.md for the command).
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter, WebSocketServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { WebSocketServer } from "ws"
import fs from "node:fs"
import os from "node:os"
import path from "node:path"

const PHRASES = ["走访帮扶对象", "了解茶园管护情况", "询问务工收入", "协调技术员下周来村指导", "查看危房改造进度",
  "召开村两委班子会", "排查邻里矛盾纠纷", "宣讲惠民政策", "落实产业奖补", "对接农产品销路", "慰问留守老人", "帮助申报小额贷款"]
const M = (1n << 64n) - 1n
// The same records as the Rust bench's `visit(i)`.
function visit(i) {
  let x = (BigInt(i) * 0x9E3779B97F4A7C15n & M) ^ 0x5851F42Dn
  let note = ""
  for (let r = 0; r < 3; r++) {
    x ^= x >> 29n
    x = x * 0xBF58476D1CE4E5B9n & M
    note += PHRASES[Number(x % BigInt(PHRASES.length))] + "，"
  }
  note += `共${2n + x % 17n}户。`
  const id = `${1764000000000 + i * 60000}-${(Number(x & 0xffffffffn)).toString(16).padStart(8, "0")}`
  const mm = String(1 + (Math.floor(i / 28) % 12)).padStart(2, "0"), dd = String(1 + (i % 28)).padStart(2, "0")
  return { id, author: "p1-2", date: `2026-${mm}-${dd}`, place: `v${1 + (i % 4)}`,
    kind: ["help", "industry", "build_team"][i % 3], note, recorded_at: 1764000000000 + i * 60000, withdrawn: false }
}

const sleep = ms => new Promise(r => setTimeout(r, ms))
async function until(cond, what, ms = 120000) {
  const t = Date.now()
  while (!(await cond())) {
    if (Date.now() - t > ms) throw new Error(`timeout: ${what}`)
    await sleep(2)
  }
}

async function run(H, k) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "amrepo-"))
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
  await new Promise(r => wss.on("listening", r))
  const counter = { up: 0, down: 0, msgsUp: 0, msgsDown: 0, on: false }
  wss.on("connection", socket => {
    socket.on("message", data => { if (counter.on) { counter.up += (data.byteLength ?? data.length); counter.msgsUp++ } })
    const send = socket.send.bind(socket)
    socket.send = (data, ...rest) => { if (counter.on) { counter.down += (data.byteLength ?? data.length); counter.msgsDown++ } return send(data, ...rest) }
  })
  const url = `ws://127.0.0.1:${wss.address().port}`
  const server = new Repo({ network: [new WebSocketServerAdapter(wss)], storage: new NodeFSStorageAdapter(path.join(dir, "server")),
    peerId: "server", sharePolicy: async () => false })

  // The phone's earlier life: H visits, synced. Built 100 visits per change to keep set-up
  // time sane; the k new ones below are one change each, as a phone makes them.
  const phoneDir = path.join(dir, "phone")
  let phone = new Repo({ network: [new WebSocketClientAdapter(url)], storage: new NodeFSStorageAdapter(phoneDir), peerId: "phone-1" })
  const handle = phone.create({ visits: {} })
  for (let i = 0; i < H; i += 100) {
    handle.change(d => { for (let j = i; j < Math.min(H, i + 100); j++) { const v = visit(j); d.visits[v.id] = v } })
  }
  const docUrl = handle.url
  await until(async () => {
    try { const h = await server.find(docUrl); return Object.keys(h.doc().visits).length === H } catch { return false }
  }, "first sync")
  await phone.shutdown()

  // The app restarts offline, logs k visits, then the network returns.
  phone = new Repo({ network: [], storage: new NodeFSStorageAdapter(phoneDir), peerId: "phone-1" })
  const h2 = await phone.find(docUrl)
  const addTimes = []
  for (let i = H; i < H + k; i++) {
    const v = visit(i)
    const t = performance.now()
    h2.change(d => { d.visits[v.id] = v })
    addTimes.push(performance.now() - t)
  }
  await phone.flush()
  const serverHandle = await server.find(docUrl)
  counter.on = true
  const t0 = performance.now()
  phone.networkSubsystem.addNetworkAdapter(new WebSocketClientAdapter(url))
  await until(() => Object.keys(serverHandle.doc().visits).length === H + k, "reconnect sync")
  const took = performance.now() - t0
  await sleep(300) // let trailing acknowledgements cross, and count them
  counter.on = false
  addTimes.sort((a, b) => a - b)
  console.log(`| ${H} | ${k} | ${counter.msgsUp} / ${counter.msgsDown} | ${counter.up} | ${counter.down} | ${counter.up + counter.down} | ${took.toFixed(1)} ms | ${addTimes[Math.floor(addTimes.length / 2)].toFixed(2)} ms |`)
  await phone.shutdown()
  await server.shutdown()
  wss.close()
  fs.rmSync(dir, { recursive: true, force: true })
}

const Hs = process.argv.slice(2).map(Number).filter(Boolean)
console.log("automerge-repo", JSON.parse(fs.readFileSync("node_modules/@automerge/automerge-repo/package.json")).version)
console.log("| H earlier | k new | messages up / down | bytes up | bytes down | total | time to server holding H + k | add one record at H (median) |")
console.log("|---:|---:|---:|---:|---:|---:|---:|---:|")
for (const H of Hs.length ? Hs : [100, 10000]) for (const k of [1, 10, 100]) await run(H, k)
process.exit(0)
