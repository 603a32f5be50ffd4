/**
 * A terms document as a contract schedule people read: the parties, the
 * billing rules, every price, discount, service credit and termination
 * charge, in words and tables — carrying the terms hash, so Legal reviews
 * exactly the document the nodes agree on and rate with.
 *
 * Design rationale:
 * - One model (sections of paragraphs and tables) written out as Markdown
 *   or as HTML, so the two renderings never say different things.
 * - Every value is the document's own text (decimal strings as written):
 *   nothing is recomputed or rounded for display.
 * - HTML escapes every value: a terms document comes from a counterparty.
 */
import type { Offering, Terms } from '../core/index.ts';

type Block =
  | { readonly kind: 'p'; readonly text: string }
  | {
      readonly kind: 'table';
      readonly head: readonly string[];
      readonly rows: readonly (readonly string[])[];
    };

interface Section {
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface Schedule {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly Section[];
}

const p = (text: string): Block => ({ kind: 'p', text });
const table = (head: readonly string[], rows: readonly (readonly string[])[]): Block => ({
  kind: 'table',
  head,
  rows,
});

const PRORATION: Record<string, string> = {
  day: 'by the day: the day of activation and the day of termination are each charged in full',
  hour: 'by the hour: the hour of activation and the hour of termination are each charged in full',
  second: 'by the second',
  none: 'not prorated: a month begun is a month charged',
};

const TAX: Record<string, string> = {
  S: 'standard rate',
  AE: 'reverse charge (VAT due by the Buyer)',
  Z: 'zero rated',
  E: 'exempt',
};

/** The schedule of `terms`, whose canonical hash is `termsHash`. */
export function termsSchedule(terms: Terms, termsHash: string): Schedule {
  const party = (role: string, x: Terms['seller']) => [
    role,
    x.name ?? x.id,
    x.id,
    x.country ?? '—',
    x.vatId ?? '—',
  ];
  const sections: Section[] = [
    {
      title: 'The agreement',
      blocks: [
        p(
          `Terms \`${terms.id}\` (${terms.schema}), in force from ${terms.effectiveFrom}. Amounts are in ${terms.currency}, before tax unless said otherwise.`,
        ),
        p(
          `Terms hash (SHA-256 of the canonical JSON of the terms document): \`${termsHash}\`. The bilateral both parties sign names this hash; a schedule with another hash describes other terms.`,
        ),
        table(
          ['role', 'name', 'party id', 'country', 'VAT id'],
          [party('Seller', terms.seller), party('Buyer', terms.buyer)],
        ),
      ],
    },
    {
      title: 'Billing',
      blocks: [
        p(
          `Billed ${terms.billing.cycle}, by calendar month in the time zone ${terms.billing.timeZone}. Recurring charges are prorated ${PRORATION[terms.billing.proration] ?? terms.billing.proration}. Each invoice line is computed exactly and rounded once to the currency's minor unit (${terms.billing.rounding}); tax is computed on the sum of the rounded lines.`,
        ),
        p(`Payment is due ${terms.billing.paymentTermsDays} days after the invoice's issue date.`),
        p(
          `Tax: category ${terms.tax.category} (${TAX[terms.tax.category] ?? terms.tax.category}) at ${terms.tax.ratePercent} %.`,
        ),
      ],
    },
    ...terms.offerings.map(offeringSection),
  ];
  const adjustments: Block[] = [];
  if (terms.discounts !== undefined && terms.discounts.length > 0) {
    adjustments.push(
      p('Discounts on the recurring charge of a service ordered for at least the term shown:'),
    );
    adjustments.push(
      table(
        ['discount', 'minimum term (months)', 'percent off'],
        terms.discounts.map((d) => [d.id, String(d.minTermMonths), `${d.percent} %`]),
      ),
    );
  }
  if (terms.sla !== undefined) {
    adjustments.push(
      p(
        `Service credits: a service whose availability in a month is below a threshold is credited the largest percentage among the thresholds it is below${terms.sla.creditCapPercent === undefined ? '' : ` (at most ${terms.sla.creditCapPercent} %)`}, of its recurring charges for that month net of discounts. Planned maintenance is not downtime.`,
      ),
    );
    adjustments.push(
      table(
        ['availability below', 'credit'],
        terms.sla.tiers.map((t) => [`${t.below} %`, `${t.creditPercent} %`]),
      ),
    );
  }
  if (terms.termination !== undefined) {
    adjustments.push(
      p(
        `Early termination: a service terminated before the end of its term is charged ${terms.termination.earlyTerminationPercent} % of its plan's monthly list charge for each month of the term remaining (a month begun counts), on the invoice of the month it ends.`,
      ),
    );
  }
  if (adjustments.length > 0)
    sections.push({ title: 'Discounts, credits and termination', blocks: adjustments });
  const money: Block[] = [];
  if (terms.disputes !== undefined) {
    const tolerance = terms.disputes.tolerance;
    money.push(
      p(
        `Disputes: a party may dispute an invoice within ${terms.disputes.windowDays} days of its issue; the other party answers within ${terms.disputes.responseDays} days.${tolerance === undefined ? '' : ` Usage records both parties measured are matched in reconciliation when their quantities differ by at most ${[tolerance.absolute === undefined ? undefined : `${tolerance.absolute} units`, tolerance.percent === undefined ? undefined : `${tolerance.percent} %`].filter((x) => x !== undefined).join(' or ')}.`}`,
      ),
    );
  }
  const interest = terms.settlement?.lateInterest;
  money.push(
    p(
      interest === undefined
        ? 'No interest is charged on late payment.'
        : `Late payment bears interest at ${interest.annualPercent} % a year on the amount overdue, for each day after the due date.`,
    ),
  );
  sections.push({ title: 'Disputes and payment', blocks: money });
  return {
    title: terms.title ?? terms.id,
    subtitle: `Contract schedule between ${terms.seller.name ?? terms.seller.id} (Seller) and ${terms.buyer.name ?? terms.buyer.id} (Buyer)`,
    sections,
  };
}

function offeringSection(offering: Offering): Section {
  const blocks: Block[] = [];
  const plans = Object.entries(offering.plans);
  blocks.push(p('Recurring charge per month, by plan:'));
  blocks.push(
    table(
      offering.capacity === undefined
        ? ['plan', 'monthly charge']
        : ['plan', 'monthly charge', 'capacity drawn'],
      plans.map(([id, plan]) =>
        offering.capacity === undefined ? [id, plan.mrc] : [id, plan.mrc, offering.capacity[id] ?? '—'],
      ),
    ),
  );
  if (offering.nrc !== undefined && Object.keys(offering.nrc).length > 0) {
    blocks.push(p('One-time charges, billed in the month of activation:'));
    blocks.push(table(['charge', 'amount'], Object.entries(offering.nrc)));
  }
  if (offering.onDemand !== undefined) {
    const od = offering.onDemand;
    blocks.push(
      p(
        `Bandwidth on demand: each boost is charged per ${od.unit} begun${od.minimumUnits === undefined ? '' : ` (at least ${od.minimumUnits})`}, at the price of the level boosted to, on the invoice of the month it starts; boosts are not discounted.`,
      ),
    );
    blocks.push(table(['level', `price per ${od.unit}`], Object.entries(od.prices)));
  }
  for (const metric of offering.usage ?? []) {
    const pricing = metric.pricing;
    if (pricing.model === 'per-unit') {
      blocks.push(p(`Usage \`${metric.metric}\`: ${pricing.price} per unit.`));
    } else if (pricing.model === 'package') {
      blocks.push(
        p(`Usage \`${metric.metric}\`: ${pricing.price} per package of ${pricing.size} units begun.`),
      );
    } else {
      blocks.push(
        p(
          `Usage \`${metric.metric}\`, ${pricing.model === 'graduated' ? 'graduated: each tier prices the units within it' : 'by volume: the tier the month’s total falls in prices every unit'}:`,
        ),
      );
      let from = '0';
      const rows: string[][] = [];
      for (const tier of pricing.tiers) {
        rows.push([from, tier.upTo ?? 'and above', tier.price]);
        from = tier.upTo ?? from;
      }
      blocks.push(table(['from', 'up to', 'price per unit'], rows));
    }
  }
  return {
    title: `Offering \`${offering.id}\`${offering.name === undefined ? '' : ` — ${offering.name}`}`,
    blocks,
  };
}

/** The schedule as Markdown. */
export function scheduleMarkdown(schedule: Schedule): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = [`# ${schedule.title}`, '', schedule.subtitle, ''];
  for (const section of schedule.sections) {
    out.push(`## ${section.title}`, '');
    for (const block of section.blocks) {
      if (block.kind === 'p') out.push(block.text, '');
      else {
        out.push(`| ${block.head.map(cell).join(' | ')} |`);
        out.push(`| ${block.head.map(() => '---').join(' | ')} |`);
        for (const row of block.rows) out.push(`| ${row.map(cell).join(' | ')} |`);
        out.push('');
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

/** The schedule as one HTML page, every value escaped. */
export function scheduleHtml(schedule: Schedule): string {
  const esc = (text: string) =>
    text.replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
    );
  // `code` spans of the Markdown model become <code>, after escaping.
  const inline = (text: string) => esc(text).replace(/`([^`]*)`/g, '<code>$1</code>');
  const body: string[] = [
    `<h1>${inline(schedule.title)}</h1>`,
    `<p class="subtitle">${inline(schedule.subtitle)}</p>`,
  ];
  for (const section of schedule.sections) {
    body.push(`<h2>${inline(section.title)}</h2>`);
    for (const block of section.blocks) {
      if (block.kind === 'p') body.push(`<p>${inline(block.text)}</p>`);
      else {
        body.push('<table>');
        body.push(`<thead><tr>${block.head.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead>`);
        body.push('<tbody>');
        for (const row of block.rows)
          body.push(`<tr>${row.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`);
        body.push('</tbody></table>');
      }
    }
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(schedule.title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 52rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.45; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f2f2f2; }
code { font-size: 0.9em; word-break: break-all; }
.subtitle { color: #555; }
</style>
</head>
<body>
${body.join('\n')}
</body>
</html>
`;
}
