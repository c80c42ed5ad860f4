// Fails when src/gen is not what `npm run gen` produces from proto/:
// generated code is committed, so a proto change without regeneration is a defect.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'sb-gen-'));
const template = readFileSync(join(root, 'buf.gen.yaml'), 'utf8').replace('out: src/gen', `out: ${out}`);
const templateFile = join(out, '..', `${out.split('/').pop()}.buf.gen.yaml`);
writeFileSync(templateFile, template);

function list(dir) {
  const files = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files.push(...list(path));
    else files.push(path);
  }
  return files;
}

try {
  const bin = join(root, 'node_modules', '.bin');
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH}` };
  execFileSync('buf', ['generate', '--template', templateFile], { cwd: root, env, stdio: 'inherit' });
  const fresh = list(out)
    .map((f) => relative(out, f))
    .sort();
  const committed = list(join(root, 'src/gen'))
    .map((f) => relative(join(root, 'src/gen'), f))
    .sort();
  const problems = [];
  for (const f of new Set([...fresh, ...committed])) {
    if (!fresh.includes(f)) problems.push(`src/gen/${f} is committed but no longer generated`);
    else if (!committed.includes(f)) problems.push(`src/gen/${f} is generated but not committed`);
    else if (readFileSync(join(out, f), 'utf8') !== readFileSync(join(root, 'src/gen', f), 'utf8'))
      problems.push(`src/gen/${f} differs from what proto/ generates`);
  }
  if (problems.length > 0) {
    console.error(`Generated code is stale; run \`npm run gen\` and commit:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`gen: ${fresh.length} generated files match proto/`);
} finally {
  rmSync(out, { recursive: true, force: true });
  rmSync(templateFile, { force: true });
}
