// Prints every end-to-end scenario and negative control as a Markdown table, and writes it to
// test/e2e/reports/results.md.
const fs = require('node:fs');
const path = require('node:path');

class TableReporter {
  onRunComplete(_contexts, results) {
    const rows = results.testResults.flatMap((file) =>
      file.testResults.map((t) => {
        const mark = t.status === 'passed' ? 'pass' : t.status === 'failed' ? 'FAIL' : t.status;
        return `| ${t.ancestorTitles.join(' › ')} | ${t.title} | ${mark} | ${((t.duration ?? 0) / 1000).toFixed(1)} s |`;
      }),
    );
    const table = ['| suite | scenario | result | time |', '|---|---|---|---|', ...rows].join('\n');
    try {
      const dir = path.join(__dirname, 'reports');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, 'results.md'), `# End-to-end results\n\n${table}\n`);
    } catch (e) {
      process.stderr.write(`table-reporter: could not write reports/results.md (${e.message})\n`);
    }
    process.stdout.write(`\n${table}\n\n`);
  }
}

module.exports = TableReporter;
