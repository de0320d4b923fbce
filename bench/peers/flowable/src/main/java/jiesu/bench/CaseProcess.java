package jiesu.bench;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.flowable.engine.delegate.DelegateExecution;

/**
 * What the model's expressions call (`${bench.…}`): routing, deadlines and escalation, the work Jiesu's
 * engine and activities do for the same process. Routing reads an in-memory responsibility list and limits
 * are plain durations; Jiesu reads both from PostgreSQL and counts working days.
 */
public final class CaseProcess {
  /** Category → owning level, as in the sample district's responsibility list. */
  private static final Map<String, String> OWNER = Map.of("neighbour-dispute", "community", "property-management", "street", "urban-construction", "street");
  /** Community → its street → the district centre. */
  private static final List<String> LEVELS = List.of("community", "street", "district");

  /** Lateness of missed limits, in ms after the deadline, for probe cases only. */
  final ConcurrentLinkedQueue<Long> lateness = new ConcurrentLinkedQueue<>();
  final AtomicLong warnings = new AtomicLong();
  final AtomicLong escalations = new AtomicLong();

  /** Routes the case to the level that owns its category (the district centre when unknown). */
  public void route(DelegateExecution execution) {
    String level = OWNER.getOrDefault((String) execution.getVariable("category"), "district");
    execution.setVariable("level", level);
    execution.setVariable("unit", level + "-" + execution.getVariable("locationUnit"));
  }

  /** On entering a task: its deadline and warning (at 75% of the limit) from the case's limit for it. */
  public void limits(DelegateExecution execution, String task) {
    long limit = ((Number) execution.getVariable(task + "LimitMs")).longValue();
    long now = System.currentTimeMillis();
    execution.setVariable(task + "Due", new Date(now + limit));
    execution.setVariable(task + "Warning", new Date(now + limit * 3 / 4));
  }

  public void warn(DelegateExecution execution) {
    warnings.incrementAndGet();
  }

  /** A missed limit: one level up (the centre's dispatcher at the top); probes record how late this ran. */
  public void escalate(DelegateExecution execution, String dueVariable) {
    Date due = (Date) execution.getVariable(dueVariable);
    if (Boolean.TRUE.equals(execution.getVariable("probe"))) lateness.add(System.currentTimeMillis() - due.getTime());
    escalations.incrementAndGet();
    int next = Math.min(LEVELS.indexOf((String) execution.getVariable("level")) + 1, LEVELS.size() - 1);
    execution.setVariable("level", LEVELS.get(next));
    execution.setVariable("unit", LEVELS.get(next) + "-" + execution.getVariable("locationUnit"));
  }
}
