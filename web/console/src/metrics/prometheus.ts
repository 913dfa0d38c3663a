// A parser for the Prometheus text exposition format (enough for MedSign's /metrics).
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[3]) {
      for (const lm of m[3].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const v = m[4] === '+Inf' ? Infinity : m[4] === '-Inf' ? -Infinity : Number(m[4]);
    out.push({ name: m[1], labels, value: v });
  }
  return out;
}

export interface RouteStats {
  route: string;
  requests: number;
  ok: number;
  clientErrors: number;
  serverErrors: number;
  meanLatencyMs: number;
}

/** Requests and mean latency per route from medsign_http_* series. */
export function routeStats(samples: Sample[]): RouteStats[] {
  const by = new Map<string, RouteStats>();
  const get = (route: string) => {
    let s = by.get(route);
    if (!s) by.set(route, (s = { route, requests: 0, ok: 0, clientErrors: 0, serverErrors: 0, meanLatencyMs: 0 }));
    return s;
  };
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const s of samples) {
    const route = s.labels.route;
    if (!route) continue;
    if (s.name === 'medsign_http_requests_total') {
      const r = get(route);
      r.requests += s.value;
      const st = Number(s.labels.status);
      if (st >= 500) r.serverErrors += s.value;
      else if (st >= 400) r.clientErrors += s.value;
      else r.ok += s.value;
    } else if (s.name === 'medsign_http_request_duration_seconds_sum') sums.set(route, s.value);
    else if (s.name === 'medsign_http_request_duration_seconds_count') counts.set(route, s.value);
  }
  for (const [route, c] of counts) if (c > 0) get(route).meanLatencyMs = ((sums.get(route) ?? 0) / c) * 1000;
  return [...by.values()].sort((a, b) => b.requests - a.requests);
}

export function totalRequests(samples: Sample[]): number {
  return samples.filter((s) => s.name === 'medsign_http_requests_total').reduce((a, s) => a + s.value, 0);
}
