// Reference outputs for the tokenizer and chat-template parity tests.
// usage: node tokenize.mjs TOOLS_DIR < request.json > response.json
// request:  { "model": DIR | null, "template": SOURCE | null, "bos_token", "eos_token",
//             "texts": [string], "chats": [{ "messages": [...], "add_generation_prompt": bool }] }
//   model:    a folder with tokenizer.json + tokenizer_config.json, encoded by @lenml/tokenizers
//   template: a chat template to render instead of the model's own (with bos_token/eos_token)
// response: { "with_special": [[id]], "without_special": [[id]], "decoded": [string],
//             "rendered": [{ "text": string } | { "error": string }], "rendered_ids": [[id] | null] }
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const tools = process.argv[2];
if (!tools) throw new Error("usage: node tokenize.mjs TOOLS_DIR < request.json");
const require = createRequire(join(tools, "node_modules", "package.json"));
const { TokenizerLoader } = require("@lenml/tokenizers");
const { Template } = require("@huggingface/jinja");

const request = JSON.parse(readFileSync(0, "utf8"));
const readJson = (name) => JSON.parse(readFileSync(join(request.model, name), "utf8"));

const tokenizer = request.model
  ? TokenizerLoader.fromPreTrained({ tokenizerJSON: readJson("tokenizer.json"), tokenizerConfig: readJson("tokenizer_config.json") })
  : null;
const templateSource = request.template ?? tokenizer?.chat_template ?? null;
const template = templateSource ? new Template(templateSource) : null;
const bos_token = request.bos_token ?? tokenizer?.bos_token ?? "";
const eos_token = request.eos_token ?? tokenizer?.eos_token ?? "";

const encode = (text, add_special_tokens) => tokenizer.encode(text, { add_special_tokens });
const texts = tokenizer ? request.texts ?? [] : [];
const response = {
  with_special: texts.map((text) => encode(text, true)),
  without_special: texts.map((text) => encode(text, false)),
  decoded: texts.map((text) => {
    const ids = encode(text, false);
    return ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false });
  }),
  rendered: [],
  rendered_ids: [],
};
for (const chat of template ? request.chats ?? [] : []) {
  try {
    const text = template.render({ messages: chat.messages, add_generation_prompt: chat.add_generation_prompt, bos_token, eos_token });
    response.rendered.push({ text });
    response.rendered_ids.push(tokenizer ? encode(text, false) : null);
  } catch (error) {
    response.rendered.push({ error: String(error.message ?? error) });
    response.rendered_ids.push(null);
  }
}
process.stdout.write(JSON.stringify(response));
