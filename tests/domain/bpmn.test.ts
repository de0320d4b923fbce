import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileBpmn } from '../../domain/process/bpmn.js';
import { validateDefinition } from '../../domain/process/validate.js';
import { whistleTiersOf } from '../../domain/process/definition.js';
import { projectRoot } from '../../infra/config.js';
import { SHIPPED_MODELS, shippedProcessXml } from '../../processes/shipped.js';

const fixture = async (name: string) => readFile(path.join(projectRoot, 'tests', 'fixtures', 'processes', name), 'utf8');

/** A minimal valid model around the given flow elements. */
const model = (body: string, processAttrs = 'jiesu:levels="community,street,district"') => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:jiesu="http://jiesu.dev/schema/bpmn/1.0" id="d" targetNamespace="t">
  <bpmn:process id="probe" isExecutable="true" ${processAttrs}>
    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="route" jiesu:action="route" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="route" />
${body}
    <bpmn:endEvent id="end" jiesu:outcome="closed"><bpmn:terminateEventDefinition /></bpmn:endEvent>
  </bpmn:process>
</bpmn:definitions>`;

describe('compiling BPMN', () => {
  it('compiles both shipped models and the four-level one', async () => {
    for (const model of SHIPPED_MODELS) {
      const shipped = await compileBpmn(await shippedProcessXml(model), model.version);
      expect(shipped.issues, model.file).toEqual([]);
      expect(validateDefinition(shipped.definition!), model.file).toEqual([]);
      expect(shipped.definition?.levels).toEqual(['community', 'street', 'district']);
      expect(whistleTiersOf(shipped.definition!).map((t) => t.id)).toEqual(['routine', 'key', 'joint', 'tough']);
    }
    const four = await compileBpmn((await fixture('four-levels.bpmn')).replace('PROCESS_KEY', 'with-grids'), 3);
    expect(four.issues).toEqual([]);
    expect(four.definition).toMatchObject({ key: 'with-grids', version: 3, levels: ['grid', 'community', 'street', 'district'] });
  });

  it('rejects a complex gateway and a user task without a limit, naming the elements', async () => {
    const result = await compileBpmn(
      model(`
    <bpmn:complexGateway id="committee" />
    <bpmn:userTask id="sign" jiesu:task="signFor" jiesu:level="community" />
    <bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="committee" />
    <bpmn:sequenceFlow id="f3" sourceRef="committee" targetRef="sign" />
    <bpmn:sequenceFlow id="f4" sourceRef="sign" targetRef="end" />`),
      1,
    );
    expect(result.definition).toBeUndefined();
    expect(result.issues).toContainEqual({ elementId: 'committee', message: expect.stringMatching(/ComplexGateway is not supported/) });
    expect(result.issues).toContainEqual({ elementId: 'sign', message: expect.stringMatching(/needs a limit/) });
  });

  it('refuses jiesu:role: who may act is the action catalogue\'s, not a second rule in the model', async () => {
    const result = await compileBpmn(
      model(`
    <bpmn:userTask id="sign" jiesu:task="signFor" jiesu:level="community" jiesu:role="supervisor" jiesu:limit="PT1H" />
    <bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="sign" />
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="end" />`),
      1,
    );
    expect(result.definition).toBeUndefined();
    expect(result.issues).toContainEqual({ elementId: 'sign', message: expect.stringMatching(/jiesu:role is not supported.*action catalogue/) });
  });

  it('rejects timers without a time, warnings that interrupt, unknown limits and conditions, message boundaries', async () => {
    const result = await compileBpmn(
      model(`
    <bpmn:userTask id="sign" jiesu:task="signFor" jiesu:level="community" jiesu:limit="soon" />
    <bpmn:boundaryEvent id="t1" attachedToRef="sign"><bpmn:timerEventDefinition /></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="t2" attachedToRef="sign" jiesu:at="75%"><bpmn:timerEventDefinition /></bpmn:boundaryEvent>
    <bpmn:boundaryEvent id="m1" attachedToRef="sign"><bpmn:messageEventDefinition /></bpmn:boundaryEvent>
    <bpmn:exclusiveGateway id="g" default="f6" />
    <bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="sign" />
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="g" />
    <bpmn:sequenceFlow id="f4" sourceRef="t1" targetRef="end" />
    <bpmn:sequenceFlow id="f5" sourceRef="g" targetRef="end"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">mood == 'good'</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f6" sourceRef="g" targetRef="end" />
    <bpmn:sequenceFlow id="f7" sourceRef="t2" targetRef="end" />
    <bpmn:sequenceFlow id="f8" sourceRef="m1" targetRef="end" />`),
      1,
    );
    const ids = result.issues.map((i) => i.elementId);
    expect(ids).toEqual(expect.arrayContaining(['t1', 't2', 'm1']));
    expect(result.issues.find((i) => i.elementId === 't2')?.message).toMatch(/must not interrupt/);
    expect(result.issues.find((i) => i.elementId === 'm1')?.message).toMatch(/MessageEventDefinition boundary events are not supported/);
  });

  it('checks limits and conditions once the structure is right', async () => {
    const result = await compileBpmn(
      model(`
    <bpmn:userTask id="sign" jiesu:task="signFor" jiesu:level="community" jiesu:limit="soon" />
    <bpmn:exclusiveGateway id="g" default="f5" />
    <bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="sign" />
    <bpmn:sequenceFlow id="f3" sourceRef="sign" targetRef="g" />
    <bpmn:sequenceFlow id="f4" sourceRef="g" targetRef="end"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">mood == 'good'</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="g" targetRef="end" />`),
      1,
    );
    expect(result.issues).toContainEqual({ elementId: 'sign', message: expect.stringMatching(/limit "soon".*not a time limit/) });
    expect(result.issues).toContainEqual({ elementId: 'g', message: expect.stringMatching(/unknown variable "mood"/) });
  });

  it('runs sub-processes and parallel gateways', async () => {
    const result = await compileBpmn(
      model(`
    <bpmn:subProcess id="handling">
      <bpmn:startEvent id="inner-start" />
      <bpmn:parallelGateway id="fork" />
      <bpmn:userTask id="sign" jiesu:task="signFor" jiesu:level="community" jiesu:limit="PT1H" />
      <bpmn:serviceTask id="warn" jiesu:action="warn" />
      <bpmn:parallelGateway id="join" />
      <bpmn:endEvent id="inner-end" />
      <bpmn:sequenceFlow id="s1" sourceRef="inner-start" targetRef="fork" />
      <bpmn:sequenceFlow id="s2" sourceRef="fork" targetRef="sign" />
      <bpmn:sequenceFlow id="s3" sourceRef="fork" targetRef="warn" />
      <bpmn:sequenceFlow id="s4" sourceRef="sign" targetRef="join" />
      <bpmn:sequenceFlow id="s5" sourceRef="warn" targetRef="join" />
      <bpmn:sequenceFlow id="s6" sourceRef="join" targetRef="inner-end" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f2" sourceRef="route" targetRef="handling" />
    <bpmn:sequenceFlow id="f3" sourceRef="handling" targetRef="end" />`),
      1,
    );
    expect(result.issues).toEqual([]);
    expect(result.definition?.nodes.handling).toEqual({ type: 'subProcess', id: 'handling', name: '', start: 'inner-start', next: 'end' });
    expect(result.definition?.nodes.join).toMatchObject({ type: 'parallelGateway', incoming: 2, targets: ['inner-end'] });
    expect(result.definition?.parents?.sign).toBe('handling');
  });

  it('refuses what is not BPMN', async () => {
    expect((await compileBpmn('<html></html>', 1)).issues[0]?.elementId).toBe('definitions');
    expect((await compileBpmn('not xml at all', 1)).issues).toHaveLength(1);
  });
});
