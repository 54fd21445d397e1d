import type { CrashReport, ReadModelCheck } from './types.js';

/** Counts what exactly-once delivery rules out, and words each kind of finding once. */
export function assess(
  report: Omit<CrashReport, 'discrepancies' | 'findings'>,
): Pick<CrashReport, 'discrepancies' | 'findings'> {
  const findings: string[] = [];
  let discrepancies = 0;
  const add = (count: number, text: string) => {
    if (count === 0) return;
    discrepancies += count;
    findings.push(text);
  };
  const { commandStats: c, log, stats } = report;
  add(c.rejected, `${c.rejected} valid commands rejected by articles (${c.samples[0] ?? ''})`);
  add(c.lost, `${c.lost} acknowledged commands not in the store where articles said`);
  add(
    log.duplicates,
    `${log.duplicates} duplicate records in the log (positions ${log.samples.duplicates.join(', ')}${log.duplicates > log.samples.duplicates.length ? ', …' : ''})`,
  );
  add(
    log.missing,
    `${log.missing} events of the store missing from the log (positions ${log.samples.missing.join(', ')}${log.missing > log.samples.missing.length ? ', …' : ''})`,
  );
  add(
    log.mismatched,
    `${log.mismatched} log records that do not match the store (${log.samples.mismatched[0] ?? ''})`,
  );
  for (const model of report.readModels) {
    const unequal = model.tables.filter((t) => !t.equal);
    const sensitive = new Set(model.orderSensitive.map((o) => o.table));
    add(
      unequal.length,
      `${model.service}: ${unequal
        .map(
          (t) =>
            `${t.table} differs (${describeDiff(t.diff)})${sensitive.has(t.table) ? '; the table depends on the delivery order of the author and article topics' : ''}`,
        )
        .join('; ')}`,
    );
    add(
      model.deadLetters,
      `${model.service}: ${model.deadLetters} events parked as dead letters instead of applied`,
    );
    add(
      model.articles.versionMismatches,
      `${model.service}: ${model.articles.versionMismatches} articles at another version than the store (${model.articles.samples[0] ?? ''})`,
    );
  }
  add(
    stats.overcounted.length,
    `stats: ${stats.overcounted.length} keys overcounted (${stats.overcounted
      .slice(0, 3)
      .map((d) => `${d.key} ${d.actual} for ${d.expected}`)
      .join(', ')})`,
  );
  add(
    stats.undercounted.length,
    `stats: ${stats.undercounted.length} keys undercounted (${stats.undercounted
      .slice(0, 3)
      .map((d) => `${d.key} ${d.actual} for ${d.expected}`)
      .join(', ')})`,
  );
  add(
    stats.repartition.keysDiffering,
    `repartition topic: ${stats.repartition.keysDiffering} keys whose committed publications differ from the recount (${stats.repartition.samples[0] ?? ''})`,
  );
  add(
    stats.graphView.differing,
    `graph: ${stats.graphView.differing} categoryStats rows differ from the stats topic (${stats.graphView.samples[0] ?? ''})`,
  );
  // Not delivery failures, but still to fix.
  for (const f of report.faults.filter((f) => f.kind === 'exit')) {
    findings.push(
      `(not counted) ${f.target} exited on its own with code ${f.line.match(/code ([^)]*)/)?.[1] ?? '?'} and was restarted`,
    );
  }
  for (const model of report.readModels) {
    for (const o of model.orderSensitive) {
      findings.push(
        `(not counted) ${model.service}.${o.table} depends on the delivery order of the author and article topics: ${o.samples[0] ?? ''}`,
      );
    }
  }
  for (const s of report.shutdown) {
    if (s.exitCode !== 0) {
      const lastLines = s.logTail ? `; its last lines:\n${s.logTail.replace(/^/gm, '      ')}` : '';
      findings.push(
        `(not counted) ${s.service} did not stop cleanly on SIGTERM: exit ${s.exitCode ?? s.signal} after ${seconds(s.ms)}${lastLines}`,
      );
    }
  }
  return { discrepancies, findings };
}

function describeDiff(diff: ReadModelCheck['tables'][number]['diff']): string {
  if (!diff) return '';
  const columns = Object.entries(diff.changedColumns)
    .map(([c, n]) => `${c}×${n}`)
    .join(' ');
  const differing = diff.missing + diff.extra + diff.changed;
  const order =
    diff.explainedByOrder === differing
      ? `all ${differing}`
      : `${diff.explainedByOrder} of ${differing}`;
  return `${diff.missing} missing, ${diff.extra} extra, ${diff.changed} changed${columns ? ` (${columns})` : ''}; ${order} as another legal delivery order of the two topics folds them`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));

export function formatReport(r: CrashReport): string {
  const lines: string[] = [];
  const { phases: p, commandStats: c, log, stats } = r;
  lines.push(
    `seed ${r.seed} · ${r.delivery} · ${r.commands} commands, ${r.concurrency} in flight` +
      (r.load > 0 ? ` · ${r.load} busy loops` : '') +
      (r.processorKills > 0 ? ` · ${r.processorKills} extra processor kills` : '') +
      (r.commitKills > 0 ? ` · ${r.commitKills} kills in the commit window` : '') +
      ` · topics ${r.topicPrefix}* · ${seconds(r.durationMs)} ` +
      `(start ${seconds(p.startMs)}, commands ${seconds(p.driveMs)}, quiesce ${seconds(p.quiesceMs)}, verify ${seconds(p.verifyMs)})`,
  );
  lines.push('faults:');
  for (const f of r.faults) {
    lines.push(`  ${f.line}`);
    if (f.lastOutput)
      lines.push(
        ...f.lastOutput
          .split('\n')
          .map((l) => `      | ${l.length > 300 ? `${l.slice(0, 300)}…` : l}`),
      );
  }
  lines.push(
    `commands: ${c.acknowledged} acknowledged, ${c.rejected} rejected, ${c.lost} lost; ${c.retries} retries, ${c.answeredAsRepeat} answered as repeats by command id; ` +
      Object.entries(c.byType)
        .map(([type, n]) => `${type} ${n}`)
        .join(', '),
  );
  lines.push(
    `log: ${log.records} records for ${log.expected} events (positions 1..${r.headPosition}): ` +
      `${log.duplicates} duplicates, ${log.missing} missing, ${log.mismatched} mismatched`,
  );
  lines.push('read models (live vs. the store folded by the same projection):');
  for (const m of r.readModels) {
    const tables = m.tables
      .map(
        (t) =>
          `${t.table} ${t.equal ? '=' : '≠'} (${t.rows.live}${t.equal ? '' : `/${t.rows.rebuilt}`} rows, ${t.checksum.live.slice(0, 12)}${t.equal ? '' : `/${t.checksum.rebuilt.slice(0, 12)}`})`,
      )
      .join(', ');
    lines.push(
      `  ${m.service.padEnd(8)} ${m.equal ? 'EQUAL  ' : 'DIFFERS'} ${tables}; articles ${m.articles.live} live / ${m.articles.rebuilt} rebuilt / ${m.articles.store} in the store, ${m.articles.versionMismatches} version mismatches, ${m.deadLetters} dead letters`,
    );
    for (const t of m.tables.filter((t) => t.diff)) {
      lines.push(
        `           ${t.table}: ${describeDiff(t.diff)}`,
        ...t.diff!.samples.map((s) => `             ${s}`),
      );
    }
    for (const o of m.orderSensitive) {
      lines.push(
        `           ${o.table} is order-sensitive (folded in another legal delivery order it differs):`,
        ...o.samples.map((s) => `             ${s}`),
      );
    }
  }
  lines.push(
    `stats: ${stats.keys.expected} keys / ${stats.published.expected} publications expected; topic has ${stats.keys.actual} keys / ${stats.published.actual}: ` +
      `${stats.overcounted.length} keys overcounted, ${stats.undercounted.length} undercounted, total ${signed(stats.totalDifference)}; ` +
      `graph's view: ${stats.graphView.keys} keys, ${stats.graphView.differing} differ from the topic`,
  );
  for (const d of [...stats.overcounted, ...stats.undercounted].slice(0, 8))
    lines.push(`  ${d.key}: ${d.actual} counted, ${d.expected} expected`);
  lines.push(
    `repartition topic: ${stats.repartition.publications} publications read committed, ${stats.repartition.keysDiffering} keys unlike the recount`,
    ...stats.repartition.samples.map((s) => `  ${s}`),
  );
  lines.push(
    `shutdown (SIGTERM): ${r.shutdown.map((s) => `${s.service} ${s.exitCode ?? s.signal} in ${seconds(s.ms)}`).join(', ')}`,
  );
  lines.push(
    r.discrepancies === 0 ? 'result: no discrepancy' : `result: ${r.discrepancies} discrepancies`,
  );
  lines.push(...r.findings.map((f) => `  - ${f}`));
  if (r.dataDir) lines.push(`data kept in ${r.dataDir} (topics ${r.topicPrefix}* kept too)`);
  else if (r.discrepancies > 0)
    lines.push(
      "(the run's files and topics were deleted; keep them with --keep-data / keepData: true)",
    );
  return lines.join('\n');
}

export function formatSummary(reports: readonly CrashReport[]): string {
  const header = [
    'seed',
    'delivery',
    'commands',
    'events',
    'log records',
    'dup',
    'missing',
    'graph',
    'rss',
    'sitemap',
    'stats over/under keys',
    'stats Δ',
    'faults',
    'time',
    'discrepancies',
  ];
  const model = (r: CrashReport, name: string) => {
    const m = r.readModels.find((x) => x.service === name);
    if (m === undefined) return '-';
    const problems =
      m.tables.filter((t) => !t.equal).length +
      (m.articles.versionMismatches > 0 ? 1 : 0) +
      (m.deadLetters > 0 ? 1 : 0);
    return problems === 0 ? 'equal' : `${problems} diff`;
  };
  const rows = reports.map((r) => [
    String(r.seed),
    r.delivery,
    String(r.commands),
    String(r.log.expected),
    String(r.log.records),
    String(r.log.duplicates),
    String(r.log.missing),
    model(r, 'graph'),
    model(r, 'rss'),
    model(r, 'sitemap'),
    `${r.stats.overcounted.length}/${r.stats.undercounted.length}`,
    signed(r.stats.totalDifference),
    String(r.faults.length),
    seconds(r.durationMs),
    String(r.discrepancies),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
