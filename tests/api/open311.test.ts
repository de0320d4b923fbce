/** Open311 GeoReport v2, from the spec's own request and response shapes, in JSON and XML. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseStateQuery, complaintWorkflowId } from '../../workflows/messages.js';
import { createTestEnv, eventually, type TestEnv } from '../helpers/env.js';

let env: TestEnv;
let intakeKey: string;
beforeAll(async () => {
  env = await createTestEnv();
  intakeKey = await env.key('intake', 'open311');
});
afterAll(async () => {
  await env?.close();
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const post = (format: 'json' | 'xml', fields: Record<string, string>) =>
  env.app.inject({ method: 'POST', url: `/open311/v2/requests.${format}`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: form(fields) });
const xmlValues = (xml: string, tag: string) => [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]);

describe('Open311 GeoReport v2', () => {
  const request = (description: string) => ({
    api_key: intakeKey,
    service_code: 'neighbour-dispute',
    address_id: 'comm-heping-north',
    address_string: '3 Heping Road',
    description,
    first_name: 'Hu',
    last_name: 'Jun',
    phone: '13811112222',
  });

  it('lists services and defines one, in JSON and XML', async () => {
    const json = await env.app.inject({ method: 'GET', url: '/open311/v2/services.json' });
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    const services = json.json<Array<Record<string, unknown>>>();
    expect(services).toContainEqual({
      service_code: 'neighbour-dispute',
      service_name: 'Neighbour dispute',
      description: expect.any(String),
      metadata: false,
      type: 'realtime',
      keywords: 'neighbour-dispute, community',
      group: 'community',
    });
    const xml = await env.app.inject({ method: 'GET', url: '/open311/v2/services.xml' });
    expect(xml.headers['content-type']).toMatch(/^text\/xml/);
    expect(xml.body.startsWith('<?xml version="1.0" encoding="utf-8"?><services><service>')).toBe(true);
    expect(xmlValues(xml.body, 'service_code')).toContain('food-safety');
    const definition = await env.app.inject({ method: 'GET', url: '/open311/v2/services/food-safety.xml' });
    expect(definition.body).toBe('<?xml version="1.0" encoding="utf-8"?><service_definition><service_code>food-safety</service_code><attributes></attributes></service_definition>');
    expect((await env.app.inject({ method: 'GET', url: '/open311/v2/services/no-such.json' })).json()).toEqual([{ code: 404, description: 'No service no-such' }]);
  });

  it('creates a service request from a form post, idempotently, and reports it without personal data', async () => {
    const first = await post('json', request('Karaoke every night until 2am'));
    expect(first.statusCode).toBe(200);
    const [created] = first.json<Array<{ service_request_id: string; service_notice: string; account_id: null }>>();
    expect(created).toMatchObject({ service_request_id: expect.stringMatching(/^open311-o311-/), account_id: null });
    const again = await post('xml', request('Karaoke every night until 2am'));
    expect(xmlValues(again.body, 'service_request_id')).toEqual([created!.service_request_id]);
    const id = created!.service_request_id;
    expect((await env.client.workflow.getHandle(complaintWorkflowId(id)).describe()).status.name).toBe('RUNNING');
    await eventually(async () => {
      const view = await env.client.workflow.getHandle(complaintWorkflowId(id)).query(caseStateQuery);
      return view.deadline !== null ? view : undefined;
    });

    const one = await eventually(async () => {
      const response = await env.app.inject({ method: 'GET', url: `/open311/v2/requests/${id}.json?api_key=${intakeKey}` });
      const [r] = response.json<Array<Record<string, unknown>>>();
      return r?.expected_datetime ? r : undefined;
    });
    expect(one).toMatchObject({
      service_request_id: id,
      status: 'open',
      status_notes: 'awaiting-sign',
      service_code: 'neighbour-dispute',
      service_name: 'Neighbour dispute',
      agency_responsible: 'Heping North Community',
      address_id: 'comm-heping-north',
      description: 'Karaoke every night until 2am',
    });
    const xml = await env.app.inject({ method: 'GET', url: `/open311/v2/requests/${id}.xml?api_key=${intakeKey}` });
    expect(xmlValues(xml.body, 'status')).toEqual(['open']);
    expect(xmlValues(xml.body, 'agency_responsible')).toEqual(['Heping North Community']);

    const filtered = await env.app.inject({ method: 'GET', url: `/open311/v2/requests.json?api_key=${intakeKey}&service_code=neighbour-dispute&status=open` });
    expect(filtered.json<Array<{ service_request_id: string }>>().map((r) => r.service_request_id)).toContain(id);
    const closedOnly = await env.app.inject({ method: 'GET', url: `/open311/v2/requests.json?api_key=${intakeKey}&status=closed` });
    expect(closedOnly.json<Array<{ service_request_id: string }>>().map((r) => r.service_request_id)).not.toContain(id);
    const byId = await env.app.inject({ method: 'GET', url: `/open311/v2/requests.xml?api_key=${intakeKey}&service_request_id=${id},nope` });
    expect(xmlValues(byId.body, 'service_request_id')).toEqual([id]);
    for (const body of [filtered.body, xml.body, byId.body]) {
      expect(body).not.toContain('13811112222');
      expect(body).not.toContain('Hu Jun');
    }
    // Another portal's key does not see it.
    const other = await env.app.inject({ method: 'GET', url: `/open311/v2/requests/${id}.json?api_key=${await env.key('intake', 'elsewhere')}` });
    expect(other.statusCode).toBe(404);
  });

  it('answers errors in the spec\'s format and status codes', async () => {
    const badKey = await post('json', { ...request('x'), api_key: 'jsk_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect(badKey.statusCode).toBe(403);
    expect(badKey.json()).toEqual([{ code: 403, description: expect.stringMatching(/api_key/) }]);
    const badKeyXml = await post('xml', { ...request('x'), api_key: 'nope' });
    expect(badKeyXml.statusCode).toBe(403);
    expect(badKeyXml.body).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?><errors><error><code>403<\/code><description>[^<]+<\/description><\/error><\/errors>$/);
    const { service_code: _code, ...missing } = request('x');
    const noCode = await post('json', missing);
    expect(noCode.statusCode).toBe(400);
    expect(noCode.json<Array<{ code: number; description: string }>>()[0]).toMatchObject({ code: 400, description: expect.stringMatching(/service_code/) });
    const unknown = await post('json', { ...request('x'), service_code: 'no-such-service' });
    expect(unknown.json()).toEqual([{ code: 400, description: 'Service_code no-such-service is not valid' }]);
    const notIntake = await post('json', { ...request('x'), api_key: await env.key('admin') });
    expect(notIntake.statusCode).toBe(403);
    const noKey = await env.app.inject({ method: 'GET', url: '/open311/v2/requests.json' });
    expect(noKey.statusCode).toBe(403);
    expect((await env.app.inject({ method: 'GET', url: `/open311/v2/requests/nothing-here.json?api_key=${intakeKey}` })).json()).toEqual([{ code: 404, description: 'No service request nothing-here' }]);
  });
});
