/** Rules of the street hub: summoning departments to a case, their reporting in and reporting their part done, and the summoning unit's rating of them. */
import { whistleTiersOf } from '../../process/definition.js';
import { ActionInputs } from '../action-inputs.js';
import { refuse } from '../actor-rules.js';
import { requestSummonsDeadline } from '../summons.js';
import { REFUSALS, type Summons } from '../types.js';
import { need, text, type ActionRules } from './common.js';

export const summonsRules: { summon: ActionRules<'summon'>; reportIn: ActionRules<'reportIn'>; reportPart: ActionRules<'reportPart'>; rateDepartment: ActionRules<'rateDepartment'> } = {
  summon: {
    summary: 'Summon departments to the case: they report in and do their part while the unit keeps the case',
    input: ActionInputs.summon,
    unitFields: [{ body: 'departmentIds', action: 'departments', many: true }],
    refusals: [REFUSALS.alreadySummoned, REFUSALS.invalidTarget],
    when: (read) => need(read, ['handle'], 'Departments are summoned while the case is being handled; sign for it first'),
    guard(read, action) {
      const holder = read.state.vars.unit!;
      const tier = whistleTiersOf(read.definition).find((t) => t.id === action.tier);
      if (!tier) return refuse(REFUSALS.invalidInput, `No whistle tier "${action.tier}" (${whistleTiersOf(read.definition).map((t) => t.id).join(', ')})`);
      if (!tier.levels.includes(holder.level)) return refuse(REFUSALS.invalidInput, `A ${holder.level} does not blow the ${tier.name.toLowerCase()} (${tier.levels.join(', ')} only)`);
      if (action.departments.length < tier.minDepartments) return refuse(REFUSALS.invalidInput, `The ${tier.name.toLowerCase()} summons at least ${tier.minDepartments} departments`);
      const district = read.state.vars.route?.centre.id;
      for (const department of action.departments) {
        if (department.unit.kind !== 'department' || (district !== undefined && !read.within(department, district))) {
          return refuse(REFUSALS.invalidTarget, `${department.unit.id} is not a department of this district`);
        }
        const pending = read.openSummonsOf(department.unit.id);
        if (pending && pending.department.doneAt === null) return refuse(REFUSALS.alreadySummoned, `${department.unit.id} is summoned already (summons ${pending.summons.n})`);
      }
      return text(action.note, 'note saying what the departments are needed for');
    },
    effect(step, action, actor) {
      const holder = step.state.vars.unit!;
      const tier = whistleTiersOf(step.definition).find((t) => t.id === action.tier)!;
      const summons: Summons = {
        n: step.state.summons.length + 1,
        by: holder.id,
        byLevel: holder.level,
        tier: tier.id,
        note: action.note,
        at: step.now,
        taskToken: step.task('handle')!.token.id,
        open: true,
        awaiting: null,
        reportInDeadline: null,
        timers: [],
        departments: action.departments.map((d) => ({ unitId: d.unit.id, reportedAt: null, late: false, doneAt: null, rated: false })),
      };
      step.state.summons.push(summons);
      const departments = summons.departments.map((d) => d.unitId);
      step.record('summoned', actor, { toUnitId: holder.id, toLevel: holder.level, reason: action.note, detail: { summons: summons.n, tier: tier.id, departments } });
      step.notify('summoned', departments, `Case ${step.state.caseNo}: ${holder.name} summons you (${tier.name.toLowerCase()}); report in`);
      requestSummonsDeadline(step, summons, tier.reportInLimit[step.state.urgency]);
    },
  },
  reportIn: {
    summary: 'A summoned department reports in: to joint handling at the centre, or to the unit that summoned it',
    input: ActionInputs.reportIn,
    refusals: [REFUSALS.alreadyReportedIn],
    when: (read) =>
      read.task('jointHandle')?.token.reportIns.some((r) => r.at === null) || read.state.summons.some((sm) => sm.open && sm.departments.some((d) => d.reportedAt === null))
        ? null
        : refuse(REFUSALS.notAllowedNow, 'No department is asked to report in'),
    guard(read, _action, actor) {
      const joint = read.task('jointHandle')?.token.reportIns.find((r) => r.unitId === actor.unitId && r.at === null);
      const summoned = read.openSummonsOf(actor.unitId)?.department;
      return joint || summoned?.reportedAt === null ? null : refuse(REFUSALS.alreadyReportedIn, 'Already reported in');
    },
    effect(step, _action, actor) {
      const joint = step.task('jointHandle');
      const report = joint?.token.reportIns.find((r) => r.unitId === actor.unitId && r.at === null);
      if (joint && report) {
        const { token } = joint;
        report.at = step.now;
        // Already marked late when the report-in limit passed; otherwise late if after the limit.
        report.late ||= token.reportInDeadline !== null && step.now > token.reportInDeadline;
        step.record('reported-in', actor, { toUnitId: report.unitId, toLevel: step.state.vars.unit?.level, detail: { late: report.late, lead: report.unitId === step.state.vars.lead?.id } });
        return;
      }
      const { summons, department } = step.openSummonsOf(actor.unitId)!;
      department.reportedAt = step.now;
      department.late ||= summons.reportInDeadline !== null && step.now > summons.reportInDeadline;
      step.record('reported-in', actor, { toUnitId: department.unitId, toLevel: step.state.vars.unit?.level, detail: { late: department.late, summons: summons.n, summonedBy: summons.by } });
    },
  },
  reportPart: {
    summary: 'A summoned department reports its part done, saying what it did',
    input: ActionInputs.reportPart,
    refusals: [REFUSALS.notReportedIn, REFUSALS.partAlreadyReported],
    when: (read) =>
      read.state.summons.some((sm) => sm.open && sm.departments.some((d) => d.doneAt === null)) ? null : refuse(REFUSALS.notAllowedNow, 'No summoned department has a part open'),
    guard(read, action, actor) {
      const { department } = read.openSummonsOf(actor.unitId)!;
      if (department.reportedAt === null) return refuse(REFUSALS.notReportedIn, 'Report in before reporting your part done');
      if (department.doneAt !== null) return refuse(REFUSALS.partAlreadyReported, 'Your part is reported done already');
      return text(action.text, 'text saying what was done');
    },
    effect(step, action, actor) {
      const { summons, department } = step.openSummonsOf(actor.unitId)!;
      department.doneAt = step.now;
      step.record('part-done', actor, { toUnitId: summons.by, reason: action.text, detail: { summons: summons.n } });
    },
  },
  rateDepartment: {
    summary: "The summoning unit rates a summoned department's cooperation and whether it resolved its part",
    input: ActionInputs.rateDepartment,
    refusals: [REFUSALS.alreadyRated],
    when: (read) => (read.state.summons.some((sm) => sm.departments.some((d) => !d.rated)) ? null : refuse(REFUSALS.notAllowedNow, 'No summoned department is waiting for a rating')),
    guard(read, action, actor) {
      const found = read.latestSummonsOf(action.unitId);
      if (!found) return refuse(REFUSALS.invalidTarget, `${action.unitId} was not summoned to this case`);
      if (found.summons.by !== actor.unitId) return refuse(REFUSALS.notYourCase, `Only ${found.summons.by}, which summoned ${action.unitId}, rates it`);
      return found.department.rated ? refuse(REFUSALS.alreadyRated, `${action.unitId} is rated already`) : null;
    },
    effect(step, action, actor) {
      const { summons, department } = step.latestSummonsOf(action.unitId)!;
      department.rated = true;
      step.record('department-rated', actor, {
        toUnitId: summons.by,
        ...(action.note ? { reason: action.note } : {}),
        detail: { summons: summons.n, unitId: action.unitId, cooperation: action.cooperation, partResolved: action.partResolved, reportedInOnTime: department.reportedAt !== null && !department.late },
      });
    },
  },
};
