import autocannon from 'autocannon';
import { caseNoFor, type Complaint } from '../domain/case.js';
import { COMPLAINT_WORKFLOW_TYPE, complaintWorkflowId, type ComplaintWorkflowInput } from '../workflows/messages.js';
import { percentile, Progress, round } from './progress.js';
import type { BenchStack } from './stack.js';

export interface Throughput {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
}

export interface IntakeResult {
  /** API processes the posts were spread over. */
  apis: number;
  connections: number;
  seconds: number;
  rounds: number;
  raw: Throughput;
  api: Throughput;
  ratio: number;
}

const complaint = (source: string, ticketId: string): Complaint => ({
  source,
  ticketId,
  title: 'Noise at night',
  description: 'Drilling after midnight in the flat above',
  category: 'neighbour-dispute',
  urgency: 'normal',
  location: { unitId: 'comm-heping-north' },
  citizen: { name: 'Bench Citizen', phone: '13800000000' },
});

/** Intake runs on a queue of its own that no worker polls: the cases it files never load the other benchmarks. */
const INTAKE_QUEUE = 'bench-intake';

/** The baseline: `client.workflow.start` of the same workflow, with the same options and codec, from N concurrent loops. */
async function rawStarts(stack: BenchStack, run: string, connections: number, seconds: number): Promise<Throughput> {
  const latencies: number[] = [];
  let errors = 0;
  let n = 0;
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) {
        const ticketId = `${run}-${n++}`;
        const caseNo = caseNoFor('raw', ticketId);
        const input: ComplaintWorkflowInput = { caseNo, complaint: complaint('raw', ticketId), receivedAt: new Date().toISOString() };
        const started = performance.now();
        try {
          await stack.client.workflow.start(COMPLAINT_WORKFLOW_TYPE, {
            taskQueue: INTAKE_QUEUE,
            workflowId: complaintWorkflowId(caseNo),
            args: [input],
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            staticSummary: `${caseNo} · neighbour-dispute · normal`,
          });
          latencies.push(performance.now() - started);
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { perSecond: round(latencies.length / seconds), p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)), requests: latencies.length, errors };
}

/** The same intake through the API processes: concurrent HTTP posts with autocannon, each a new ticket, the connections split across the APIs. */
async function apiPosts(urls: string[], run: string, connections: number, seconds: number, key: string): Promise<Throughput> {
  const results = await Promise.all(urls.map((url, i) => apiPostsTo(url, `${run}-${i}`, Math.round(connections / urls.length), seconds, key)));
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  return {
    perSecond: round(requests / seconds),
    p50Ms: round(results.reduce((sum, r) => sum + r.p50Ms * r.requests, 0) / Math.max(1, requests)),
    p99Ms: round(Math.max(...results.map((r) => r.p99Ms))),
    requests,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
  };
}

async function apiPostsTo(url: string, run: string, connections: number, seconds: number, key: string): Promise<Throughput> {
  let n = 0;
  const result = await autocannon({
    url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        path: '/v1/complaints',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        setupRequest: (request) => {
          const { source: _source, ...body } = complaint('bench', `${run}-${n++}`);
          return { ...request, body: JSON.stringify(body) };
        },
      },
    ],
  });
  const ok = result['2xx'];
  return { perSecond: round(ok / seconds), p50Ms: round(result.latency.p50), p99Ms: round(result.latency.p99), requests: ok, errors: result.non2xx + result.errors + result.timeouts };
}

/**
 * Intake throughput and latency through the API against raw workflow starts, alternating rounds so drift
 * on a shared machine affects both alike. No worker runs meanwhile: this measures intake only.
 */
export async function benchIntake(stack: BenchStack, { connections = 32, seconds = 10, rounds = 2, apis: apiCount = 1 } = {}): Promise<IntakeResult> {
  const progress = new Progress(`intake ${stack.server} ${apiCount} API`);
  const apis = await Promise.all(Array.from({ length: apiCount }, (_, i) => stack.startApi({ TEMPORAL_TASK_QUEUE: INTAKE_QUEUE }, i)));
  const urls = stack.apiUrls.slice(0, apiCount);
  const { key } = await stack.key('intake', 'bench');
  const tag = `${apiCount}a`;
  // Warm both paths (JIT, connections, the server's caches).
  await rawStarts(stack, `warm-raw-${tag}`, connections, 2);
  await apiPosts(urls, `warm-api-${tag}`, connections, 2, key);
  const raws: Throughput[] = [];
  const posts: Throughput[] = [];
  for (let r = 0; r < rounds; r += 1) {
    progress.update(r * 2, rounds * 2, 'raw starts');
    raws.push(await rawStarts(stack, `raw${r}-${tag}`, connections, seconds));
    progress.update(r * 2 + 1, rounds * 2, 'API posts');
    posts.push(await apiPosts(urls, `api${r}-${tag}`, connections, seconds, key));
  }
  progress.update(rounds * 2, rounds * 2, 'done');
  await Promise.all(apis.map((api) => api.kill('SIGTERM')));
  const merge = (runs: Throughput[]): Throughput => ({
    perSecond: round(runs.reduce((s, t) => s + t.perSecond, 0) / runs.length),
    p50Ms: round(runs.reduce((s, t) => s + t.p50Ms, 0) / runs.length),
    p99Ms: round(Math.max(...runs.map((t) => t.p99Ms))),
    requests: runs.reduce((s, t) => s + t.requests, 0),
    errors: runs.reduce((s, t) => s + t.errors, 0),
  });
  const raw = merge(raws);
  const apiResult = merge(posts);
  progress.note(`raw ${raw.perSecond}/s, API ${apiResult.perSecond}/s, ratio ${round(apiResult.perSecond / raw.perSecond, 3)}`);
  return { apis: apiCount, connections, seconds, rounds, raw, api: apiResult, ratio: round(apiResult.perSecond / raw.perSecond, 3) };
}
