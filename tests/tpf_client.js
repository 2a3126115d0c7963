// Answers SPARQL queries with Comunica over a Triple Pattern Fragments interface.
// Usage: node tpf_client.js <fragments URL> <file of a JSON list of queries>; prints a JSON list of answers.
const fs = require("fs");
const { QueryEngine } = require("@comunica/query-sparql");

function term(t) {
  const out = { type: t.termType, value: t.value };
  if (t.termType === "Literal") {
    out.language = t.language || "";
    out.datatype = t.datatype ? t.datatype.value : "";
  }
  return out;
}

async function main() {
  const [source, file] = process.argv.slice(2);
  const queries = JSON.parse(fs.readFileSync(file, "utf8"));
  const engine = new QueryEngine();
  const answers = [];
  for (const query of queries) {
    const context = { sources: [source], lenient: false };
    const result = await engine.query(query, context);
    if (result.resultType === "bindings") {
      const rows = await (await result.execute()).toArray();
      answers.push({ bindings: rows.map((b) => Object.fromEntries([...b].map(([v, t]) => [v.value, term(t)]))) });
    } else if (result.resultType === "quads") {
      const quads = await (await result.execute()).toArray();
      answers.push({ triples: quads.map((q) => [term(q.subject), term(q.predicate), term(q.object)]) });
    } else if (result.resultType === "boolean") {
      answers.push({ boolean: await result.execute() });
    }
  }
  process.stdout.write(JSON.stringify(answers));
}

main().catch((error) => { console.error(error); process.exit(1); });
