/**
 * Open311 clients nobody here wrote, from PyPI, against the facade listening on a real port:
 * `georeport` 0.3.1 (it only reads; JSON and XML) and `three` 0.8.0 (it also posts; JSON only — its XML
 * parser cannot run on Python 3, see tests/fixtures/open311/clients.py). The test builds their Python
 * venv itself under .cache/ on first use.
 */
import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';
import { pythonVenv } from '../helpers/python-venv.js';

const CLIENTS = ['georeport==0.3.1', 'three==0.8.0'];
const DRIVER = path.resolve(import.meta.dirname, '../fixtures/open311/clients.py');
const execFileAsync = promisify(execFile);

let env: TestEnv;
let python: string;
let root: string;
let intakeKey: string;
beforeAll(async () => {
  env = await createTestEnv();
  python = await pythonVenv(env.config.cacheDir, 'open311-clients', CLIENTS);
  intakeKey = await env.key('intake', 'pyclients');
  await env.app.listen({ host: '127.0.0.1', port: 0 });
  root = `http://127.0.0.1:${(env.app.server.address() as AddressInfo).port}/open311/v2`;
}, 600_000);
afterAll(async () => {
  await env?.close();
});

type Row = Record<string, unknown>;
interface Call {
  client: 'georeport' | 'three';
  format?: 'json' | 'xml';
  op: string;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  /** Constructor options (api_key, jurisdiction). */
  options?: Record<string, unknown>;
}
interface Result {
  ok?: unknown;
  error?: { type: string; status?: number; body?: string; message?: string };
}

/** Runs calls through the clients in one Python process; each answers what the client returned or raised. */
async function drive(...calls: Call[]): Promise<Result[]> {
  const { stdout } = await execFileAsync(python, [DRIVER, JSON.stringify({ root, calls })], { timeout: 60_000 });
  return JSON.parse(stdout) as Result[];
}

function ok<T>(result: Result | undefined): T {
  expect(result?.error).toBeUndefined();
  return result!.ok as T;
}

/** georeport parses XML with xmltodict, which gives a list of one as the element itself. */
const asList = (value: unknown): Row[] => (Array.isArray(value) ? value : [value]) as Row[];

/** A JSON record as an XML client parses it: every value as text, null as an empty element (None). */
const asXmlText = (row: Row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)]));

/** The case once routed, from its workflow. */
const routedCase = (id: string) =>
  eventually(async () => {
    const view = await env.client.workflow.getHandle(complaintWorkflowId(id)).query(caseStateQuery);
    return view.unitId !== null ? view : undefined;
  });

/** Waits until the read model (what GET Service Request reads) shows the case routed. */
const inReadModel = (id: string) =>
  eventually(async () => {
    const [row] = (await env.app.inject({ method: 'GET', url: `/open311/v2/requests/${id}.json` })).json<Row[]>();
    return row?.agency_responsible ? row : undefined;
  });

const posted = (result: Result | undefined): string => {
  const created = ok<Array<{ service_request_id: string }>>(result);
  expect(created).toHaveLength(1);
  return created[0]!.service_request_id;
};

describe('georeport 0.3.1 and three 0.8.0 from PyPI', () => {
  it('read the service list and a service definition (georeport in JSON and XML, three in JSON)', async () => {
    const [list, listXml, three, definition, definitionXml, unknown] = await drive(
      { client: 'georeport', op: 'get_service_list' },
      { client: 'georeport', format: 'xml', op: 'get_service_list' },
      { client: 'three', op: 'services' },
      { client: 'georeport', op: 'get_service_definition', args: ['food-safety'] },
      { client: 'georeport', format: 'xml', op: 'get_service_definition', args: ['food-safety'] },
      { client: 'georeport', op: 'get_service_definition', args: ['no-such-service'] },
    );
    const services = ok<Row[]>(list);
    expect(services).toContainEqual(expect.objectContaining({ service_code: 'neighbour-dispute', service_name: '邻里纠纷', group: 'community' }));
    expect(ok<Row[]>(listXml)).toEqual(services.map(asXmlText));
    expect(ok<Row[]>(three)).toEqual(services);
    expect(ok(definition)).toEqual({ service_code: 'food-safety', attributes: [] });
    expect(ok(definitionXml)).toEqual({ service_code: 'food-safety', attributes: null });
    expect(unknown?.error).toMatchObject({ type: 'HTTPError', status: 404 });
    expect(JSON.parse(unknown!.error!.body!)).toEqual([{ code: 404, description: 'service_code no-such-service was not found' }]);
  });

  it('three posts a report with only lat/long and no phone; both read it back without a key, without personal data', async () => {
    const text = `A car has blocked the fire lane for three days (${env.ticket()})`;
    const [created] = await drive({
      client: 'three',
      op: 'post',
      args: ['neighbour-dispute'],
      kwargs: { lat: 31.3046, long: 120.6021, description: text, name: 'Li Wei' },
      options: { api_key: intakeKey },
    });
    const id = posted(created);
    expect(await routedCase(id)).toMatchObject({ locationUnitId: 'comm-heping-east', unitId: 'comm-heping-east', citizen: { name: 'Li Wei' } });
    expect((await routedCase(id)).citizen).toEqual({ name: 'Li Wei' });
    await inReadModel(id);

    const [one, oneXml, list, listXml, threeOne, threeList] = await drive(
      { client: 'georeport', op: 'get_service_request', args: [id] },
      { client: 'georeport', format: 'xml', op: 'get_service_request', args: [id] },
      { client: 'georeport', op: 'get_service_requests', kwargs: { service_request_id: id } },
      { client: 'georeport', format: 'xml', op: 'get_service_requests', kwargs: { service_code: 'neighbour-dispute', status: 'open' } },
      { client: 'three', op: 'request', args: [id] },
      { client: 'three', op: 'requests', args: ['neighbour-dispute'] },
    );
    const row = ok<Row>(one);
    expect(row).toMatchObject({
      service_request_id: id,
      status: 'open',
      status_notes: 'awaiting-sign',
      service_code: 'neighbour-dispute',
      description: '邻里纠纷 in 和平东社区',
      agency_responsible: '和平东社区',
      address: '和平东社区',
      address_id: 'comm-heping-east',
    });
    expect(ok(oneXml)).toEqual(asXmlText(row));
    expect(ok(list)).toEqual([row]);
    expect(asList(ok(listXml)).map((r) => r.service_request_id)).toContain(id);
    expect(ok(threeOne)).toEqual([row]);
    expect(ok<Row[]>(threeList).map((r) => r.service_request_id)).toContain(id);
    const everything = JSON.stringify([one, oneXml, list, listXml, threeOne, threeList]);
    expect(everything).not.toContain('Li Wei');
    expect(everything).not.toContain('fire lane');
  });

  it('three posts an address alone to the dispatcher, and an address_id with an empty jurisdiction_id', async () => {
    const [byAddress, withEmptyJurisdiction, badKey] = await drive(
      { client: 'three', op: 'post', args: ['neighbour-dispute'], kwargs: { address: '12 Binhe Road', description: `Loud pump at night (${env.ticket()})` }, options: { api_key: intakeKey, jurisdiction: 'centre' } },
      {
        client: 'three',
        op: 'post',
        args: ['neighbour-dispute'],
        kwargs: { address_id: 'comm-binhe-park', jurisdiction_id: '', phone: '13900001111', description: `Leaking roof (${env.ticket()})` },
        options: { api_key: intakeKey },
      },
      { client: 'three', op: 'post', args: ['neighbour-dispute'], kwargs: { address_id: 'comm-binhe-park', description: 'x' }, options: { api_key: 'jsk_nope' } },
    );
    const dispatched = await routedCase(posted(byAddress));
    expect(dispatched).toMatchObject({ locationUnitId: 'centre', unitId: 'centre', status: 'awaiting-dispatch' });
    expect(dispatched.description).toMatch(/Location as reported: 12 Binhe Road$/);
    expect(await routedCase(posted(withEmptyJurisdiction))).toMatchObject({ locationUnitId: 'comm-binhe-park', citizen: { phone: '13900001111' } });
    expect(ok(badKey)).toEqual([{ code: 403, description: 'Invalid api_key received -- can not proceed' }]);
  });
});
