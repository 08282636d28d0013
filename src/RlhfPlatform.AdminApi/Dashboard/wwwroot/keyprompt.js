// The API key prompt. The key the user types is kept in this tab's sessionStorage only (gone when the
// tab closes), sent only as "Authorization: Bearer KEY" by api.js, and never put in a URL or the page.
const keyItem = "rlhf.apiKey";
let pending = null;

export function storedKey() {
  return sessionStorage.getItem(keyItem);
}

export function forgetKey() {
  sessionStorage.removeItem(keyItem);
}

/** Shows the prompt (once, however many requests wait on it); resolves when a key has been entered. */
export function askForKey(reason) {
  pending ??= new Promise(resolve => {
    const form = document.createElement("form");
    form.id = "key-prompt";
    form.method = "dialog"; // never submits anywhere, even if the handler below did not run
    const heading = document.createElement("h2");
    heading.textContent = "API key";
    const why = document.createElement("p");
    why.textContent = reason;
    const input = document.createElement("input");
    input.type = "password";
    input.id = "key-input";
    input.autocomplete = "off";
    input.required = true;
    const label = document.createElement("label");
    label.append("Key ", input);
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Use key";
    const hint = document.createElement("p");
    hint.className = "muted";
    hint.textContent = "Create one with `rlhf keys create --role reader`. It stays in this tab only.";
    form.append(heading, why, label, " ", button, hint);
    form.addEventListener("submit", event => {
      event.preventDefault();
      sessionStorage.setItem(keyItem, input.value.trim());
      form.remove();
      pending = null;
      resolve();
    });
    document.body.prepend(form);
    input.focus();
  });
  return pending;
}

// Every page's header has a "Forget key" button.
document.getElementById("forget-key")?.addEventListener("click", () => {
  forgetKey();
  location.reload();
});
