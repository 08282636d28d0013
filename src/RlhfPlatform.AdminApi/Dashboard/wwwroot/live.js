// Runs a page's refresh now and again every few seconds while it returns true (and the thing it
// shows exists); the page's #updated line says when it last worked, or why it did not.
export function keepFresh(refresh, everyMs = 2000) {
  const line = document.getElementById("updated");
  async function tick() {
    let again = true;
    try {
      again = await refresh();
      line.textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC${again ? "" : " (finished)"}`;
      line.classList.remove("error");
      document.body.dataset.loaded = "true";
    } catch (error) {
      line.textContent = `could not refresh: ${error.message}`;
      line.classList.add("error");
      again = error.status !== 404; // no such run or experiment: asking again will not change that
    }
    if (again) setTimeout(tick, everyMs);
  }
  tick();
}
