// A run's page: its state, its RL curves against step (gold, proxy, KL, length), its final figures,
// events and checkpoints; refreshed every 2 s until the run has ended.
import { getJson, runPath, terminalStatuses } from "./api.js";
import { lineChart, palette } from "./charts.js";
import { el, fillTable, num, pageLink, progressOf, statusBadge, when } from "./dom.js";
import { keepFresh } from "./live.js";

const runId = new URLSearchParams(location.search).get("id");

async function metric(name) {
  const { body } = await getJson(runPath(runId, "metrics"), { name });
  return body.map(p => ({ x: p.step, y: p.value }));
}

async function refresh() {
  const [run, gold, proxy, kl, length, events, checkpoints] = await Promise.all([
    getJson(runPath(runId)).then(r => r.body),
    metric("rl/gold_reward"), metric("rl/proxy_reward"), metric("rl/kl"), metric("rl/length"),
    getJson(runPath(runId, "events")).then(r => r.body),
    getJson(runPath(runId, "checkpoints")).then(r => r.body),
  ]);
  showFacts(run);
  lineChart(document.getElementById("reward-chart"), [
    { label: "gold", points: gold, color: palette[0] },
    { label: "proxy", points: proxy, color: palette[1], dashed: true, axis: "y2" },
  ], { x: "step", y: "gold reward", y2: "proxy reward" });
  lineChart(document.getElementById("kl-chart"), [{ label: "KL", points: kl, color: palette[2] }], { x: "step", y: "KL" });
  lineChart(document.getElementById("length-chart"), [{ label: "length", points: length, color: palette[3] }], { x: "step", y: "characters" });
  fillTable(document.getElementById("results"), Object.entries(run.results).sort(), ([key, value]) => [key, el("td", { class: "num" }, num(value, 4))]);
  fillTable(document.getElementById("events"), events, e => [when(e.at), e.kind, e.message]);
  fillTable(document.getElementById("checkpoints"), checkpoints, c => [
    c.kind, el("td", { class: "num" }, c.version), el("td", { class: "num" }, `${num(c.sizeBytes / 1024, 3)} KiB`),
    el("td", { class: "mono", title: c.sha256 }, c.sha256.slice(0, 12)), el("td", { class: "mono" }, c.uri),
  ]);
  return !terminalStatuses.has(run.status);
}

function showFacts(run) {
  document.title = `${run.name} · RlhfPlatform`;
  document.getElementById("title").textContent = `Run ${run.name}`;
  const facts = [
    ["id", el("span", { class: "mono" }, run.id)],
    ["experiment", run.experiment ? pageLink("experiment.html", { name: run.experiment }, run.experiment) : "–"],
    ["status", statusBadge(run.status)],
    ["stage", run.stage],
    ["progress", progressOf(run)],
    ["created", `${when(run.createdAt)} UTC`],
    ["updated", `${when(run.updatedAt)} UTC`],
  ];
  if (run.error) facts.push(["error", el("span", { class: "error" }, run.error)]);
  document.getElementById("facts").replaceChildren(...facts.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
}

if (runId) keepFresh(refresh);
else document.getElementById("title").textContent = "No run given (run.html?id=RUN)";
