// Renders the README's tables of the firewall's rules and of the rules it counts instead of
// blocking, from the firewall's own rule table, and rewrites them when run.
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { writeSection } from './lib/suppressions';
import { DEFAULTS } from '../src/private/defaults';
import { FIREWALL_RULE_ORDER, LOGIN_RATE_LIMIT_RULE, MANAGED_RULE_GROUPS, SITE_RATE_LIMIT_RULE } from '../src/private/firewall';

export const FIREWALL_START = '<!-- firewall-rules:start -->';
export const FIREWALL_END = '<!-- firewall-rules:end -->';

const window = DEFAULTS.firewallRateLimitWindow.toHumanString();
const loginPaths = DEFAULTS.firewallLoginPaths.map((p) => `\`${p}\``).join(' and ');

const RATE_LIMITS: Record<string, string> = {
  [LOGIN_RATE_LIMIT_RULE]: `more than \`loginRateLimit\` (${DEFAULTS.firewallLoginRateLimit.toLocaleString('en')}) POST requests `
    + `to \`loginPaths\` (${loginPaths}) from one client IP address in \`rateLimitWindow\` (${window}): password guessing`,
  [SITE_RATE_LIMIT_RULE]: `more than \`siteRateLimit\` (${DEFAULTS.firewallSiteRateLimit.toLocaleString('en')}) requests of any kind `
    + `from one client IP address in \`rateLimitWindow\` (${window}): floods and scrapers`,
};

export function renderFirewallTable(): string {
  const groups = new Map(MANAGED_RULE_GROUPS.map((g) => [g.name, g]));
  const rows = FIREWALL_RULE_ORDER.map((name, priority) => {
    const group = groups.get(name);
    if (group) {
      const counted = group.counted.length > 0 ? `; counts ${group.counted.map((c) => `\`${c.rule}\``).join(', ')}` : '';
      return `| ${priority} | \`${name}\` (AWS managed) | ${group.purpose} | block${counted} |`;
    }
    const rate = RATE_LIMITS[name];
    if (!rate) throw new Error(`no description of the firewall rule ${name}`);
    return `| ${priority} | \`${name}\` (rate-based) | ${rate} | 429 until the rate falls below the limit |`;
  });
  const counted = MANAGED_RULE_GROUPS.flatMap((g) => g.counted.map((c) => `| \`${g.name}\` | \`${c.rule}\` | ${c.reason} |`));
  return [
    '| priority | rule | what it stops | action |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Counted instead of blocked, because they would break normal use of the dashboard:',
    '',
    '| rule group | rule | why it is counted |',
    '|---|---|---|',
    ...counted,
  ].join('\n');
}

if (require.main === module) {
  const path = join(__dirname, '..', 'README.md');
  writeFileSync(path, writeSection(readFileSync(path, 'utf8'), FIREWALL_START, FIREWALL_END, renderFirewallTable()));
  console.log(`README.md: ${FIREWALL_RULE_ORDER.length} firewall rules listed`);
}
