// An experiment's page: its comparison (GET /api/experiments/NAME/comparison) as the seed-aggregated
// table, reward against KL for RL and Best-of-N, win rate and length per reward model, and every run;
// refreshed every 3 s until all its runs have ended.
import { getJson, terminalStatuses } from "./api.js";
import { barChart, lineChart, palette } from "./charts.js";
import { el, fillTable, num, pageLink, statusBadge } from "./dom.js";
import { keepFresh } from "./live.js";

const name = new URLSearchParams(location.search).get("name");

async function refresh() {
  const { body: comparison } = await getJson(`experiments/${encodeURIComponent(name)}/comparison`);
  const models = comparison.aggregates.map(a => a.rewardModel);
  const colorOf = model => palette[models.indexOf(model) % palette.length];

  fillTable(document.getElementById("aggregates"), comparison.aggregates, a => [
    a.rewardModel, a.objective, el("td", { class: "num" }, `${a.completed}/${a.runs}`),
    ...["winRate", "lcWinRate", "lengthAfter", "lengthBefore", "goldAfter", "proxyReward", "kl"].map(f => statistic(a.figures[f])),
  ], a => ({ "data-reward-model": a.rewardModel }));

  rewardAgainstKl(document.getElementById("rl-chart"), comparison.curves, colorOf);
  rewardAgainstKl(document.getElementById("bon-chart"), comparison.bestOfNCurves, colorOf);
  const bars = figure => comparison.aggregates.filter(a => a.figures[figure]).map(a => ({
    label: a.rewardModel, value: a.figures[figure].mean, error: a.figures[figure].std, color: colorOf(a.rewardModel),
  }));
  barChart(document.getElementById("winrate-chart"), bars("winRate"), "win rate");
  barChart(document.getElementById("length-chart"), bars("lengthAfter"), "length after RL");

  fillTable(document.getElementById("rows"), comparison.rows, r => [
    pageLink("run.html", { id: r.runId }, r.runId), r.rewardModel, el("td", { class: "num" }, r.seed), statusBadge(r.status),
    el("td", { class: "num" }, num(r.proxyReward)), el("td", { class: "num" }, `${num(r.goldBefore)} → ${num(r.goldAfter)}`),
    el("td", { class: "num" }, `${num(r.lengthBefore)} → ${num(r.lengthAfter)}`), el("td", { class: "num" }, num(r.winRate)),
    el("td", { class: "num" }, num(r.lcWinRate)), el("td", { class: "num" }, num(r.kl)),
    r.overOptimized === null ? "–" : r.overOptimized ? "yes" : "no",
  ], r => ({ "data-run-id": r.runId }));
  return comparison.rows.some(r => !terminalStatuses.has(r.status));
}

/** "mean ± std", every seed's value in its tooltip. */
function statistic(s) {
  if (!s) return el("td", { class: "num" }, "–");
  const seeds = Object.entries(s.seeds).map(([seed, value]) => `seed ${seed}: ${num(value, 4)}`).join(", ");
  return el("td", { class: "num", title: seeds }, `${num(s.mean)} ± ${num(s.std, 2)}`);
}

/** One gold and one proxy line per run, coloured by reward model (one legend entry per reward model). */
function rewardAgainstKl(canvas, curves, colorOf) {
  const seen = new Set();
  const series = curves.filter(c => c.kl.length > 0).flatMap(curve => {
    const first = !seen.has(curve.rewardModel);
    seen.add(curve.rewardModel);
    const points = values => curve.kl.map((kl, i) => ({ x: kl, y: values[i] }));
    return [
      { label: `${curve.rewardModel} gold`, points: points(curve.gold), color: colorOf(curve.rewardModel), inLegend: first },
      { label: `${curve.rewardModel} proxy`, points: points(curve.proxy), color: colorOf(curve.rewardModel), dashed: true, axis: "y2", inLegend: first },
    ];
  });
  lineChart(canvas, series, { x: "KL to the reference", y: "gold reward", y2: "proxy reward" });
}

if (name) {
  document.getElementById("title").textContent = `Experiment ${name}`;
  document.title = `${name} · RlhfPlatform`;
  document.getElementById("runs-link").href = `./?${new URLSearchParams({ experiment: name })}`;
  keepFresh(refresh, 3000);
} else {
  document.getElementById("title").textContent = "No experiment given (experiment.html?name=EXPERIMENT)";
}
