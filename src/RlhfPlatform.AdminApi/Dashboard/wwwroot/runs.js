// The runs table: filtered by experiment and status (kept in the page's address, so it can be
// linked to), newest first, with the live progress of the runs still going, refreshed every 2 s.
import { getJson, runPath, terminalStatuses } from "./api.js";
import { el, fillTable, pageLink, progressOf, statusBadge, when } from "./dom.js";
import { keepFresh } from "./live.js";

const form = document.getElementById("filters");
const table = document.getElementById("runs");
const summary = document.getElementById("summary");
const pageSize = 100;
const liveRows = 20; // runs still going whose step is asked for on each refresh (each asks its driver grain)

const address = new URLSearchParams(location.search);
form.elements.experiment.value = address.get("experiment") ?? "";
form.elements.status.value = address.get("status") ?? "";

function filters() {
  return { experiment: form.elements.experiment.value.trim(), status: form.elements.status.value };
}

async function refresh() {
  const { body: runs, total } = await getJson("runs", { ...filters(), pageSize });
  // The list holds the recorded state; a run still going reports its step through its own endpoint
  // (the newest liveRows of them; older ones show their recorded state).
  const going = new Set(runs.filter(run => !terminalStatuses.has(run.status)).slice(0, liveRows).map(run => run.id));
  const live = await Promise.all(runs.map(async run => (going.has(run.id) ? (await getJson(runPath(run.id))).body : run)));
  fillTable(table, live, run => [
    pageLink("run.html", { id: run.id }, run.id),
    run.name,
    run.experiment ? pageLink("experiment.html", { name: run.experiment }, run.experiment) : "–",
    statusBadge(run.status),
    run.stage,
    progressOf(run),
    when(run.updatedAt),
  ], run => ({ "data-run-id": run.id }));
  summary.textContent = `${live.length} of ${total ?? live.length} runs, newest first`;
  return true;
}

/** The experiments to pick from: those of the newest runs. */
async function fillExperiments() {
  const { body: runs } = await getJson("runs", { pageSize: 500 });
  const names = [...new Set(runs.map(r => r.experiment).filter(Boolean))].sort();
  document.getElementById("experiments").replaceChildren(...names.map(name => el("option", { value: name })));
}

form.addEventListener("submit", event => event.preventDefault());
form.addEventListener("change", () => {
  const query = new URLSearchParams(Object.entries(filters()).filter(([, value]) => value));
  history.replaceState(null, "", query.size ? `?${query}` : location.pathname);
  refresh().catch(() => {}); // keepFresh's next tick reports a failure
});

keepFresh(refresh);
fillExperiments().catch(() => {});
