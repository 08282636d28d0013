// Builds the pages' elements from API data without ever parsing that data as HTML: strings become
// text nodes or attribute values, never markup.

/** el("td", { class: "num" }, "text", otherNode, [more, children]) */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...flatten(children));
  return node;
}

function flatten(children) {
  return children.flat(Infinity).filter(c => c !== null && c !== undefined)
    .map(c => (c instanceof Node ? c : document.createTextNode(String(c))));
}

/** A link to another dashboard page: the page name is ours, every query value is encoded. */
export function pageLink(page, query, text) {
  return el("a", { href: `${page}?${new URLSearchParams(query)}` }, text);
}

/** Fills a table's body with one row per item (cells from cellsOf), or one "none" row. */
export function fillTable(table, items, cellsOf, rowAttributes = () => ({})) {
  const columns = table.tHead.rows[0].cells.length;
  const rows = items.length === 0
    ? [el("tr", {}, el("td", { colspan: columns, class: "muted" }, "none yet"))]
    : items.map(item => el("tr", rowAttributes(item), cellsOf(item).map(cell => (cell instanceof Node && cell.tagName === "TD" ? cell : el("td", {}, cell)))));
  table.tBodies[0].replaceChildren(...rows);
}

/** A number with a few significant digits; missing or NaN as a dash. */
export function num(value, digits = 3) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  return String(Number(Number(value).toPrecision(digits)));
}

/** An ISO timestamp as "YYYY-MM-DD HH:MM:SS" in UTC. */
export function when(iso) {
  return iso ? new Date(iso).toISOString().slice(0, 19).replace("T", " ") : "–";
}

export function statusBadge(status) {
  return el("span", { class: `status status-${status}` }, status);
}

/** A run's progress: a bar and "step/total" while it trains its policy, else its stage. */
export function progressOf(run) {
  if (run.totalSteps > 0 && run.status === "running") {
    return el("span", { class: "progress" },
      el("progress", { max: run.totalSteps, value: run.step }), ` ${run.step}/${run.totalSteps}`);
  }
  return run.status === "completed" ? "done" : run.stage;
}
