// GETs from the admin API. Every call carries the key from the prompt as "Authorization: Bearer KEY"
// (never in the URL); a 401 asks for the key again and retries. Pages live at /dashboard/, the API at /api/.
import { askForKey, forgetKey, storedKey } from "./keyprompt.js";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const apiRoot = new URL("../api/", document.baseURI);

/** @returns {Promise<{body: any, total: string | null}>} the JSON body and the X-Total-Count header */
export async function getJson(path, query = {}) {
  const url = new URL(path, apiRoot);
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, String(value));
  }
  for (;;) {
    const key = storedKey();
    const headers = { Accept: "application/json" };
    if (key) headers.Authorization = `Bearer ${key}`;
    const response = await fetch(url, { headers, cache: "no-store", credentials: "omit" });
    if (response.status === 401) {
      if (storedKey() === key) forgetKey(); // not a key entered while this request was on its way
      if (!storedKey()) {
        await askForKey(key ? "The platform refused that key (unknown or revoked). Enter another one." : "This platform needs an API key to show its runs.");
      }
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, await problemText(response));
    return { body: await response.json(), total: response.headers.get("X-Total-Count") };
  }
}

/** A problem details answer as one line (its title and detail: the API puts nothing internal in them). */
async function problemText(response) {
  try {
    const problem = await response.json();
    return [problem.title, problem.detail].filter(Boolean).join(": ") || `HTTP ${response.status}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

export const terminalStatuses = new Set(["completed", "failed", "cancelled"]);

/** A run's path under /api/runs/. */
export function runPath(runId, part = "") {
  return `runs/${encodeURIComponent(runId)}${part ? `/${part}` : ""}`;
}
