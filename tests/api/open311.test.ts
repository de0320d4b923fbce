/**
 * Open311 GeoReport v2, driven the way the spec's own examples do: the service list, a service
 * definition, a form-encoded POST with an api_key, and request queries — each in JSON and XML, with
 * errors in the spec's format and no citizen data in any answer.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../db/api-keys.js';
import { apiKeys } from '../../db/schema.js';
import { createLogger } from '../../infra/logger.js';
import type { EmbeddedPostgres } from '../../infra/postgres.js';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, startSeededPostgres, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let intakeKey: string;
beforeAll(async () => {
  env = await createTestEnv();
  intakeKey = await env.key('intake', 'open311');
});
afterAll(async () => {
  await env?.close();
});

type Row = Record<string, unknown>;
const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const PHONE = '13811112222';

const get = (url: string) => env.app.inject({ method: 'GET', url });
const post = (format: 'json' | 'xml', fields: Record<string, string>) =>
  env.app.inject({
    method: 'POST',
    url: `/open311/v2/requests.${format}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });

const unescapeXml = (text: string) => text.replace(/&(lt|gt|quot|apos|amp);/g, (_, name: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[name]!);
/** The flat child elements of every `<tag>` in a document: `<a>x</a>` → a: 'x', `<a/>` → a: null. */
const xmlRecords = (xml: string, tag: string): Array<Record<string, string | null>> =>
  [...xml.matchAll(new RegExp(`<${tag}>(.*?)</${tag}>`, 'gs'))].map(([, inner]) =>
    Object.fromEntries([...inner!.matchAll(/<(\w+)>([^<]*)<\/\1>|<(\w+)\/>/g)].map((m) => (m[3] ? [m[3], null] : [m[1]!, unescapeXml(m[2]!)]))),
  );
/** A JSON record as the XML answer must carry it: every value as text, null as an empty element. */
const asXmlText = (row: Row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)]));

/** The form of a citizen's report, as an app would post it. */
const report = (description: string, extra: Record<string, string> = {}) => ({
  api_key: intakeKey,
  service_code: 'neighbour-dispute',
  address_id: 'comm-heping-north',
  address_string: '3 Heping Road, flat 1202',
  description,
  first_name: 'Hu',
  last_name: 'Jun',
  phone: PHONE,
  'attribute[floor]': '12',
  ...extra,
});

async function file(description: string, extra: Record<string, string> = {}): Promise<string> {
  const response = await post('json', report(description, extra));
  expect(response.statusCode).toBe(200);
  return response.json<Array<{ service_request_id: string }>>()[0]!.service_request_id;
}

/** A request's JSON answer once the read model shows it routed (with a deadline). */
async function routed(id: string, key = intakeKey): Promise<Row> {
  return eventually(
    async () => {
      const response = await get(`/open311/v2/requests/${id}.json?api_key=${key}`);
      const [row] = response.statusCode === 200 ? response.json<Row[]>() : [];
      return row?.expected_datetime ? row : undefined;
    },
    { what: `${id} in the read model` },
  );
}

const ids = (response: { json: <T>() => T }) => response.json<Array<{ service_request_id: string }>>().map((r) => r.service_request_id);

describe('GET Service List and GET Service Definition', () => {
  it('lists the categories of the responsibility list in force, in JSON and XML', async () => {
    const json = await get('/open311/v2/services.json');
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toBe('application/json; charset=utf-8');
    const services = json.json<Row[]>();
    expect(services).toContainEqual({
      service_code: 'neighbour-dispute',
      service_name: '邻里纠纷',
      description: '邻里纠纷: handled by the community where it happens',
      metadata: false,
      type: 'realtime',
      keywords: 'neighbour-dispute, community',
      group: 'community',
    });
    expect(services.find((s) => s.service_code === 'food-safety')).toMatchObject({ group: 'district', description: '食品安全: handled by 区市场监督管理局' });

    const xml = await get('/open311/v2/services.xml');
    expect(xml.statusCode).toBe(200);
    expect(xml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xml.body.startsWith(`${XML_DECLARATION}<services><service>`)).toBe(true);
    expect(xml.body.endsWith('</service></services>')).toBe(true);
    expect(xmlRecords(xml.body, 'service')).toEqual(services.map(asXmlText));
  });

  it('defines a service with no attributes, and answers 404 for an unknown code', async () => {
    expect((await get('/open311/v2/services/neighbour-dispute.json')).json()).toEqual({ service_code: 'neighbour-dispute', attributes: [] });
    expect((await get('/open311/v2/services/food-safety.xml')).body).toBe(
      `${XML_DECLARATION}<service_definition><service_code>food-safety</service_code><attributes></attributes></service_definition>`,
    );
    const unknown = await get('/open311/v2/services/no-such-service.json');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual([{ code: 404, description: 'service_code no-such-service was not found' }]);
    const unknownXml = await get('/open311/v2/services/no-such-service.xml');
    expect(unknownXml.statusCode).toBe(404);
    expect(unknownXml.body).toBe(`${XML_DECLARATION}<errors><error><code>404</code><description>service_code no-such-service was not found</description></error></errors>`);
  });
});

describe('POST Service Request, GET Service Request(s)', () => {
  let id: string;
  let description: string;

  it('files a case from a form post, the same one however often it is posted', async () => {
    description = `Karaoke next door every night until 2am (${env.ticket()}), loudest on the 12th floor, behind the lift`;
    const first = await post('json', report(description));
    expect(first.statusCode).toBe(200);
    const created = first.json<Array<{ service_request_id: string; service_notice: string; account_id: null }>>();
    expect(created).toEqual([{ service_request_id: expect.stringMatching(/^open311-o311-[0-9a-f]{20}$/), service_notice: expect.stringContaining('GET /open311/v2/requests/'), account_id: null }]);
    id = created[0]!.service_request_id;

    const again = await post('xml', report(description, { jurisdiction_id: 'centre' }));
    expect(again.statusCode).toBe(200);
    expect(again.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(xmlRecords(again.body, 'request')).toEqual([{ service_request_id: id, service_notice: expect.any(String), account_id: null }]);
    expect(again.body).toContain('<account_id/>');

    const handle = env.client.workflow.getHandle(complaintWorkflowId(id));
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const view = await handle.query(caseStateQuery);
    expect(view).toMatchObject({
      source: 'open311',
      title: description.slice(0, 60),
      description,
      category: 'neighbour-dispute',
      urgency: 'normal',
      locationUnitId: 'comm-heping-north',
      citizen: { name: 'Hu Jun', phone: PHONE },
    });
  });

  it('reports the case in JSON and XML, with the current unit and deadline and without personal data', async () => {
    const row = await routed(id);
    expect(row).toEqual({
      service_request_id: id,
      status: 'open',
      status_notes: 'awaiting-sign',
      service_name: '邻里纠纷',
      service_code: 'neighbour-dispute',
      description: description.slice(0, 60),
      agency_responsible: '和平北社区',
      service_notice: null,
      requested_datetime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_datetime: expect.any(String),
      expected_datetime: expect.any(String),
      address: '和平北社区',
      address_id: 'comm-heping-north',
      zipcode: null,
      lat: null,
      long: null,
      media_url: null,
    });
    expect(Date.parse(row.expected_datetime as string)).toBeGreaterThan(Date.parse(row.requested_datetime as string));

    const xml = await get(`/open311/v2/requests/${id}.xml?api_key=${intakeKey}`);
    expect(xml.statusCode).toBe(200);
    expect(xml.body.startsWith(`${XML_DECLARATION}<service_requests><request>`)).toBe(true);
    expect(xmlRecords(xml.body, 'request')).toEqual([asXmlText(row)]);

    const list = await get(`/open311/v2/requests.json?api_key=${intakeKey}`);
    const listXml = await get(`/open311/v2/requests.xml?api_key=${intakeKey}`);
    for (const body of [JSON.stringify(row), xml.body, list.body, listXml.body]) {
      expect(body).not.toContain(PHONE);
      expect(body).not.toContain('138****2222');
      expect(body).not.toMatch(/Hu Jun|"Hu"|>Hu</);
      expect(body).not.toContain('flat 1202');
      expect(body).not.toContain('behind the lift');
    }
  });

  it('filters by id, service code, status and dates, within what the key may read', async () => {
    const query = async (params: string, key = intakeKey) => {
      const response = await get(`/open311/v2/requests.json?api_key=${key}&${params}`);
      expect(response.statusCode).toBe(200);
      return ids(response);
    };
    expect(await query('service_code=neighbour-dispute&status=open')).toContain(id);
    expect(await query('service_code=food-safety,noise-pollution')).not.toContain(id);
    expect(await query('status=closed')).not.toContain(id);
    expect(await query('status=open,closed')).toContain(id);
    const hour = 3_600_000;
    const iso = (offset: number) => encodeURIComponent(new Date(Date.now() + offset).toISOString());
    expect(await query(`start_date=${iso(-hour)}&end_date=${iso(hour)}`)).toContain(id);
    expect(await query(`start_date=${iso(hour)}`)).toEqual([]);
    expect(await query(`end_date=${iso(-hour)}`)).not.toContain(id);
    expect(await query('jurisdiction_id=centre')).toContain(id);
    // A list of ids overrides every other filter.
    expect(await query(`service_request_id=${id},no-such-request&status=closed&service_code=food-safety`)).toEqual([id]);
    const byIdXml = await get(`/open311/v2/requests.xml?api_key=${intakeKey}&service_request_id=${id}`);
    expect(xmlRecords(byIdXml.body, 'request').map((r) => r.service_request_id)).toEqual([id]);

    expect(await query(`service_request_id=${id}`, await env.key('admin'))).toEqual([id]);
    expect(await query(`service_request_id=${id}`, await env.key('evaluator'))).toEqual([id]);
    expect(await query(`service_request_id=${id}`, await env.key('intake', 'wechat'))).toEqual([]);
    expect((await get(`/open311/v2/requests/${id}.json?api_key=${await env.key('intake', 'wechat')}`)).statusCode).toBe(404);

    // The app's usual Authorization header works too; handlers see their unit's cases, supervisors their area.
    const byHeader = async (key: string, url: string) => env.call(key, 'GET', url);
    const north = await env.key('handler', 'comm-heping-north');
    const south = await env.key('handler', 'comm-heping-south');
    expect(ids(await byHeader(north, '/open311/v2/requests.json?service_code=neighbour-dispute'))).toContain(id);
    expect(ids(await byHeader(south, '/open311/v2/requests.json?service_code=neighbour-dispute'))).not.toContain(id);
    expect((await byHeader(south, `/open311/v2/requests/${id}.json`)).statusCode).toBe(404);
    expect((await byHeader(await env.key('supervisor', 'street-heping'), `/open311/v2/requests/${id}.json`)).statusCode).toBe(200);
    expect((await byHeader(await env.key('dispatcher', 'street-xinhua'), `/open311/v2/requests/${id}.json`)).statusCode).toBe(404);
  });

  it('reports the request closed once the case closes', async () => {
    const north = await env.key('handler', 'comm-heping-north');
    const act = (key: string, action: string, body: unknown = {}) => env.call(key, 'POST', `/v1/complaints/${id}/${action}`, body);
    expect((await act(north, 'sign-for')).statusCode).toBe(200);
    expect((await act(north, 'resolve', { reply: 'Mediated between the neighbours' })).statusCode).toBe(200);
    expect((await act(await env.key('evaluator'), 'evaluation', { rating: 'satisfied' })).statusCode).toBe(200);
    const closed = await eventually(async () => {
      const [row] = (await get(`/open311/v2/requests/${id}.json?api_key=${intakeKey}`)).json<Row[]>();
      return row?.status === 'closed' ? row : undefined;
    });
    expect(closed).toMatchObject({ status: 'closed', status_notes: 'closed', expected_datetime: null });
    expect(ids(await get(`/open311/v2/requests.json?api_key=${intakeKey}&status=closed`))).toContain(id);
    expect(ids(await get(`/open311/v2/requests.json?api_key=${intakeKey}&status=open`))).not.toContain(id);
  });

  it('opens a new case when the same report comes again after its case closed, while a retry reaches the open one', async () => {
    // Closed in the read model is not yet the end of the workflow (its last notifications may still run).
    await eventually(async () => ((await env.client.workflow.getHandle(complaintWorkflowId(id)).describe()).status.name === 'COMPLETED' ? true : undefined));
    const again = await post('json', report(description));
    expect(again.statusCode).toBe(200);
    const [repeat] = again.json<Array<{ service_request_id: string }>>();
    expect(repeat!.service_request_id).toBe(`${id}-2`);
    expect((await env.client.workflow.getHandle(complaintWorkflowId(`${id}-2`)).describe()).status.name).toBe('RUNNING');
    const retry = await post('xml', report(description));
    expect(xmlRecords(retry.body, 'request')).toEqual([{ service_request_id: `${id}-2`, service_notice: expect.any(String), account_id: null }]);
    const [first] = (await get(`/open311/v2/requests/${id}.json`)).json<Row[]>();
    expect(first).toMatchObject({ status: 'closed' });
  });

  it('refuses a key whose portal name cannot begin case numbers, in the spec\'s format', async () => {
    // A key made before portal names had to be separator-free.
    const keyId = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await env.database.db.insert(apiKeys).values({ id: keyId, name: 'legacy', role: 'intake', source: 'open-311', secretHash: hashSecret(secret) });
    const legacy = await post('xml', report(`Noise (${env.ticket()})`, { api_key: `jsk_${keyId}_${secret}` }));
    expect(legacy.statusCode).toBe(403);
    expect(xmlRecords(legacy.body, 'error')).toEqual([{ code: '403', description: expect.stringContaining('"open-311" cannot begin case numbers') }]);
  });

  it('writes Chinese names family name first, and escapes text in XML', async () => {
    const text = `<b>Tom & Jerry's "bar"</b> plays music at night (${env.ticket()})`;
    const escapedId = await file(text, { first_name: '军', last_name: '胡' });
    expect((await env.client.workflow.getHandle(complaintWorkflowId(escapedId)).query(caseStateQuery)).citizen.name).toBe('胡军');
    await routed(escapedId);
    const xml = (await get(`/open311/v2/requests/${escapedId}.xml?api_key=${intakeKey}`)).body;
    expect(xml).toContain('<description>&lt;b&gt;Tom &amp; Jerry&apos;s &quot;bar&quot;&lt;/b&gt; plays music at night (');
    expect(xml).not.toContain('<b>');
    expect(xmlRecords(xml, 'request')[0]?.description).toBe(text.slice(0, 60));
  });
});

describe('public reads: GET Service Requests without a key', () => {
  it("shows every case with no text the citizen typed and no name, phone or address of theirs, in JSON and XML", async () => {
    const text = `Dog barking all night next to the bike shed (${env.ticket()}), call Mr Hu after six`;
    const id = await file(text);
    await routed(id);
    const one = await get(`/open311/v2/requests/${id}.json`);
    expect(one.statusCode).toBe(200);
    const [row] = one.json<Row[]>();
    // What a key's holder sees, but for the description: the service and the community instead of the title.
    const [withKey] = (await get(`/open311/v2/requests/${id}.json?api_key=${intakeKey}`)).json<Row[]>();
    expect(withKey).toMatchObject({ description: text.slice(0, 60), address: '和平北社区', address_id: 'comm-heping-north' });
    expect(row).toEqual({ ...withKey, description: '邻里纠纷 in 和平北社区' });
    const xml = await get(`/open311/v2/requests/${id}.xml`);
    expect(xmlRecords(xml.body, 'request')).toEqual([asXmlText(row!)]);
    expect((await get(`/open311/v2/requests.json?service_request_id=${id}`)).json()).toEqual([row]);

    const list = await get('/open311/v2/requests.json?service_code=neighbour-dispute&status=open&jurisdiction_id=centre');
    const listXml = await get('/open311/v2/requests.xml?service_code=neighbour-dispute&status=open');
    expect(ids(list)).toContain(id);
    expect(xmlRecords(listXml.body, 'request').map((r) => r.service_request_id)).toContain(id);
    // Every public row, whoever filed it, describes the case by its service and community only.
    for (const r of list.json<Row[]>()) expect([r.service_name, `${r.service_name} in ${r.address}`]).toContain(r.description);
    for (const body of [one.body, xml.body, list.body, listXml.body]) {
      for (const personal of [PHONE, '138****2222', 'Hu Jun', 'Mr Hu', 'flat 1202', 'Dog barking', 'bike shed']) expect(body).not.toContain(personal);
    }
  });

  it('limits reads without a key per client address, and leaves reads with a key alone', async () => {
    const read = (headers: Record<string, string> = {}) =>
      env.app.inject({ method: 'GET', url: '/open311/v2/requests/no-such-request.json', remoteAddress: '192.0.2.7', headers });
    const statuses: number[] = [];
    for (let i = 0; i < env.config.api.publicReadRateLimit; i += 1) statuses.push((await read()).statusCode);
    expect(new Set(statuses)).toEqual(new Set([404]));
    const limited = await read();
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toEqual([{ code: 429, description: expect.any(String) }]);
    expect((await read({ authorization: `Bearer ${intakeKey}` })).statusCode).toBe(404);
  });
});

describe('POST Service Request: any one location form, every contact field optional', () => {
  const heping = { lat: '31.3046', long: '120.6021' };
  let grid: string;
  let otherDistrict: string;
  beforeAll(async () => {
    const admin = await env.key('admin');
    // A grid inside comm-heping-east with a smaller area of its own, and a second district.
    grid = `o311-grid-${env.ticket()}`;
    const created = await env.call(admin, 'POST', '/v1/units', {
      id: grid,
      name: 'Heping East Grid 7',
      level: 'grid',
      kind: 'grid',
      parentId: 'comm-heping-east',
      area: { lat: 31.304, long: 120.603, radiusM: 100 },
    });
    expect(created.json()).toMatchObject({ id: grid, area: { lat: 31.304, long: 120.603, radiusM: 100 } });
    otherDistrict = `o311-district-${env.ticket()}`;
    expect((await env.call(admin, 'POST', '/v1/units', { id: otherDistrict, name: 'Open311 Test District Centre', level: 'district', kind: 'centre' })).statusCode).toBe(201);
  });

  /** A report the way a phone app without an address book sends it: no address_id, no name, no phone. */
  const bare = (description: string, extra: Record<string, string>) => ({ api_key: intakeKey, service_code: 'neighbour-dispute', description, ...extra });
  const fileBare = async (description: string, extra: Record<string, string>) => {
    const response = await post('json', bare(description, extra));
    expect(response.statusCode, response.body).toBe(200);
    const id = response.json<Array<{ service_request_id: string }>>()[0]!.service_request_id;
    const view = await eventually(async () => {
      const v = await env.client.workflow.getHandle(complaintWorkflowId(id)).query(caseStateQuery);
      return v.unitId !== null ? v : undefined;
    });
    return { id, view };
  };

  it('places lat/long in the smallest community or grid area containing it, and keeps no contact data nobody gave', async () => {
    const text = `Someone dumps furniture in the courtyard (${env.ticket()})`;
    const { id, view } = await fileBare(text, heping);
    expect(view).toMatchObject({ locationUnitId: 'comm-heping-east', unitId: 'comm-heping-east', status: 'awaiting-sign', citizen: {} });
    expect(view.citizen).toEqual({});
    expect(view.description).toBe(`${text}\n\nLocation as reported: 31.3046, 120.6021`);
    const inGrid = await fileBare(`A broken bench (${env.ticket()})`, { lat: '31.3041', long: '120.6031', phone: '', first_name: '' });
    expect(inGrid.view).toMatchObject({ locationUnitId: grid, unitId: 'comm-heping-east', citizen: {} });

    // Nothing to mask and nothing shown: the holder, the portal and the lists see no name or phone.
    const holder = await env.key('handler', 'comm-heping-east');
    expect((await env.call(holder, 'GET', `/v1/complaints/${id}`)).json()).toMatchObject({ caseNo: id, citizen: {} });
    expect((await env.call(intakeKey, 'GET', `/v1/complaints/${id}`)).json<{ citizen: unknown }>().citizen).toEqual({});
    const listed = await eventually(async () =>
      (await env.call(holder, 'GET', '/v1/complaints?unitId=comm-heping-east&limit=200')).json<{ items: Array<{ caseNo: string; citizen: unknown }> }>().items.find((c) => c.caseNo === id),
    );
    expect(listed.citizen).toEqual({});
    const [row] = (await get(`/open311/v2/requests/${id}.json`)).json<Row[]>();
    expect(row).toMatchObject({ address: '和平东社区', address_id: 'comm-heping-east', description: '邻里纠纷 in 和平东社区' });
  });

  it("sends an address alone, or a point in no community's area, to the district centre's dispatcher", async () => {
    const text = `Water pours from a neighbour's balcony (${env.ticket()})`;
    const byAddress = await fileBare(text, { address_string: '12 Binhe Road, by the bus stop', jurisdiction_id: 'centre' });
    expect(byAddress.view).toMatchObject({ locationUnitId: 'centre', unitId: 'centre', status: 'awaiting-dispatch' });
    expect(byAddress.view.description).toBe(`${text}\n\nLocation as reported: 12 Binhe Road, by the bus stop`);
    const row = await eventually(async () => {
      const [r] = (await get(`/open311/v2/requests/${byAddress.id}.json?api_key=${intakeKey}`)).json<Row[]>();
      return r?.agency_responsible ? r : undefined;
    });
    expect(row).toMatchObject({ address: null, address_id: null, agency_responsible: '示范区联合调度中心' });

    const nowhere = await fileBare(`Loud music (${env.ticket()})`, { lat: '31.4', long: '120.7', address_string: 'Lakeside', jurisdiction_id: 'centre' });
    expect(nowhere.view).toMatchObject({ locationUnitId: 'centre', unitId: 'centre', status: 'awaiting-dispatch' });
    expect(nowhere.view.description).toMatch(/Location as reported: Lakeside · 31\.4, 120\.7$/);

    // The dispatcher places it in a community, as any other case.
    const dispatcher = await env.key('dispatcher', 'centre');
    expect((await env.call(dispatcher, 'POST', `/v1/complaints/${byAddress.id}/dispatch`, { unitId: 'comm-binhe-bridge' })).statusCode).toBe(200);
  });

  it('needs jurisdiction_id only where several districts could take the request, and treats an empty one as absent', async () => {
    const alone = await post('json', bare('x', { address_string: 'Somewhere' }));
    expect(alone.statusCode).toBe(400);
    expect(alone.json()).toEqual([{ code: 400, description: expect.stringMatching(/^jurisdiction_id was not provided: .*centre.*o311-district-/) }]);
    const elsewhere = await fileBare(`Noise (${env.ticket()})`, { address_string: 'Somewhere', jurisdiction_id: otherDistrict });
    expect(elsewhere.view).toMatchObject({ locationUnitId: otherDistrict, unitId: otherDistrict, districtId: otherDistrict });
    expect((await post('json', bare('x', { address_id: 'comm-heping-north', jurisdiction_id: otherDistrict }))).json()).toEqual([
      { code: 400, description: `jurisdiction_id ${otherDistrict} does not cover address_id comm-heping-north` },
    ]);
    // In the district that has them, a point still finds its community.
    expect((await fileBare(`Noise (${env.ticket()})`, { ...heping, jurisdiction_id: 'centre' })).view.locationUnitId).toBe('comm-heping-east');
    const empty = await post('json', report(`Noise at night (${env.ticket()})`, { jurisdiction_id: '' }));
    expect(empty.statusCode).toBe(200);
  });
});

describe("errors in the spec's format", () => {
  const errorsXml = (code: number) => new RegExp(`^<\\?xml version="1.0" encoding="utf-8"\\?><errors><error><code>${code}</code><description>[^<]+</description></error></errors>$`);

  it('refuses a bad or missing api_key with 403, and keys other than intake for posting', async () => {
    const bad = await post('json', report('x', { api_key: 'jsk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
    expect(bad.statusCode).toBe(403);
    expect(bad.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(bad.json()).toEqual([{ code: 403, description: 'Invalid api_key received -- can not proceed' }]);
    const badXml = await post('xml', report('x', { api_key: 'nope' }));
    expect(badXml.statusCode).toBe(403);
    expect(badXml.headers['content-type']).toBe('text/xml; charset=utf-8');
    expect(badXml.body).toMatch(errorsXml(403));
    const { api_key: _key, ...keyless } = report('x');
    expect((await post('json', keyless)).statusCode).toBe(403);

    const admin = await post('json', report('x', { api_key: await env.key('admin') }));
    expect(admin.statusCode).toBe(403);
    expect(admin.json()).toEqual([{ code: 403, description: expect.stringContaining('intake') }]);

    // Reading needs no key, but a key that is sent must be valid.
    expect((await get('/open311/v2/requests/anything.xml?api_key=nope')).body).toMatch(errorsXml(403));
    const badHeader = await env.app.inject({ method: 'GET', url: '/open311/v2/requests.json', headers: { authorization: 'Bearer nope' } });
    expect(badHeader.statusCode).toBe(403);
    expect(badHeader.json()).toEqual([{ code: 403, description: expect.stringMatching(/api_key/) }]);
  });

  it('answers a missing or invalid parameter with 400', async () => {
    const { service_code: _code, ...codeless } = report('x');
    const missing = await post('json', codeless);
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toEqual([{ code: 400, description: 'service_code was not provided' }]);
    expect((await post('xml', codeless)).body).toMatch(errorsXml(400));

    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ service_code: 'no-such-service' }, /service_code no-such-service/],
      [{ address_id: 'no-such-unit' }, /address_id no-such-unit/],
      [{ address_id: 'street-heping' }, /address_id street-heping/],
      [{ jurisdiction_id: 'elsewhere' }, /jurisdiction_id elsewhere/],
      [{ lat: 'north' }, /lat/],
      [{ address_id: '', lat: '31.3045' }, /^long was not provided/],
      [{ address_id: '', lat: '91', long: '120' }, /not a place on earth/],
      [{ address_id: '', address_string: '' }, /^No location was provided/],
    ];
    for (const [fields, description] of cases) {
      const response = await post('json', report('x', fields));
      expect(response.statusCode, JSON.stringify(fields)).toBe(400);
      expect(response.json()).toEqual([{ code: 400, description: expect.stringMatching(description) }]);
    }
    // An empty field is an absent one.
    expect((await post('json', report('x', { service_code: '' }))).json()).toEqual([{ code: 400, description: 'service_code was not provided' }]);

    expect((await get(`/open311/v2/requests.json?api_key=${intakeKey}&start_date=yesterday`)).statusCode).toBe(400);
    const reversed = await get(`/open311/v2/requests.xml?api_key=${intakeKey}&start_date=2026-02-01T00:00:00Z&end_date=2026-01-01T00:00:00Z`);
    expect(reversed.statusCode).toBe(400);
    expect(reversed.body).toMatch(errorsXml(400));
    expect((await get(`/open311/v2/requests.json?api_key=${intakeKey}&status=pending`)).statusCode).toBe(400);
    expect((await get('/open311/v2/services.csv')).json()).toEqual([{ code: 400, description: expect.stringContaining('format') }]);
  });

  it('answers an unknown request or resource with 404', async () => {
    const unknown = await get(`/open311/v2/requests/no-such-request.json?api_key=${intakeKey}`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual([{ code: 404, description: 'service_request_id no-such-request was not found' }]);
    expect((await get(`/open311/v2/requests/no-such-request.xml?api_key=${intakeKey}`)).body).toMatch(errorsXml(404));
    const resource = await get('/open311/v2/tokens/abc.xml');
    expect(resource.statusCode).toBe(404);
    expect(resource.body).toMatch(errorsXml(404));
    expect((await get('/open311/v2/discovery.json')).json()).toEqual([{ code: 404, description: 'No resource GET /open311/v2/discovery.json' }]);
  });
});

describe('while PostgreSQL is down', () => {
  let postgres: EmbeddedPostgres;
  let outage: TestEnv;
  beforeAll(async () => {
    postgres = await startSeededPostgres();
    outage = await createTestEnv({ databaseUrl: postgres.url, logger: createLogger({ level: 'silent', pretty: false }) });
  });
  afterAll(async () => {
    await outage?.close();
    await postgres?.destroy();
  });

  it('still files service requests, and answers reads with 503 and Retry-After', async () => {
    const key = await outage.key('intake', 'open311');
    const form = { ...report(`Water from the ceiling (${outage.ticket()})`), api_key: key };
    const postTo = (fields: Record<string, string>) =>
      outage.app.inject({ method: 'POST', url: '/open311/v2/requests.json', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(fields).toString() });
    // The key and the service list are remembered while the database is up.
    expect((await postTo({ ...form, description: `Warm-up (${outage.ticket()})` })).statusCode).toBe(200);
    await postgres.stop();

    const filed = await postTo(form);
    expect(filed.statusCode).toBe(200);
    const id = filed.json<Array<{ service_request_id: string }>>()[0]!.service_request_id;
    expect((await outage.client.workflow.getHandle(complaintWorkflowId(id)).describe()).status.name).toBe('RUNNING');

    const read = await outage.app.inject({ method: 'GET', url: `/open311/v2/requests/${id}.xml?api_key=${key}` });
    expect(read.statusCode).toBe(503);
    expect(read.headers['retry-after']).toBe('5');
    expect(read.body).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><errors><error><code>503<\/code><description>[^<]+<\/description><\/error><\/errors>$/);
  });
});

describe('the OpenAPI document', () => {
  it('documents every Open311 route under the open311 tag', async () => {
    const { paths } = (await get('/docs/json')).json<{ paths: Record<string, Record<string, { tags?: string[]; summary?: string }>> }>();
    const open311 = Object.entries(paths)
      .filter(([path]) => path.startsWith('/open311/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, ...op })));
    expect(open311.map((o) => o.route).sort()).toEqual([
      'GET /open311/v2/requests.{format}',
      'GET /open311/v2/requests/{id}.{format}',
      'GET /open311/v2/services.{format}',
      'GET /open311/v2/services/{code}.{format}',
      'POST /open311/v2/requests.{format}',
    ]);
    for (const op of open311) expect(op, op.route).toMatchObject({ tags: ['open311'], summary: expect.any(String) });
  });
});
