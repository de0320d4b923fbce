package jiesu.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flowable.common.engine.impl.persistence.StrongUuidGenerator;
import org.flowable.engine.ProcessEngine;
import org.flowable.engine.ProcessEngineConfiguration;
import org.flowable.engine.RuntimeService;
import org.flowable.engine.TaskService;
import org.flowable.engine.impl.cfg.StandaloneProcessEngineConfiguration;
import org.flowable.task.api.Task;

/**
 * The Flowable peer of `npm run bench`: the same workload as Jiesu's lifecycle and open-cases sections,
 * on Flowable embedded with PostgreSQL. Prints one JSON object per result on stdout, progress on stderr.
 *
 * <pre>FLOWABLE_JDBC_PASSWORD=P java -cp target/classes:target/lib/* jiesu.bench.Harness --jdbc URL --user U
 *     [--lifecycle 200] [--steps 1000,10000,100000] [--probes 100] [--threads 32] [--probe-limit-seconds 20]</pre>
 */
public final class Harness {
  private static final long OPEN_LIMIT_MS = 6 * 3600_000L;

  private final ProcessEngine engine;
  private final CaseProcess process = new CaseProcess();
  private final Map<String, String> options;

  private Harness(Map<String, String> options) {
    this.options = options;
    // HikariCP rather than MyBatis's built-in pool, which reclaims connections held past 20 s and then
    // fails those transactions when more threads than connections wait on a loaded machine. 20 connections:
    // the same pool as Temporal's persistence store (TEMPORAL_SERVER_SETTINGS.maxConns).
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(options.get("jdbc"));
    pool.setUsername(options.get("user"));
    pool.setPassword(options.get("password"));
    pool.setMaximumPoolSize(20);
    pool.setConnectionTimeout(120_000);
    pool.setAutoCommit(false);
    StandaloneProcessEngineConfiguration config = new StandaloneProcessEngineConfiguration();
    config.setDataSource(new HikariDataSource(pool));
    // UUIDs, as Flowable recommends for concurrent engines: the default id blocks are fetched in a nested
    // transaction on a second connection, which deadlocks once every connection is held by a waiting start.
    config.setIdGenerator(new StrongUuidGenerator());
    config.setDatabaseSchemaUpdate(ProcessEngineConfiguration.DB_SCHEMA_UPDATE_TRUE);
    config.setAsyncExecutorActivate(true);
    // The async executor is tuned as a centre would for many timers (the only settings changed from
    // Flowable's defaults): by default it looks for due timers and runnable jobs every 10 s and takes one
    // of each per look, so a deadline could pass seconds unnoticed and a burst of due timers queues up.
    config.setAsyncExecutorDefaultTimerJobAcquireWaitTime(1_000);
    config.setAsyncExecutorDefaultAsyncJobAcquireWaitTime(1_000);
    config.setAsyncExecutorMaxTimerJobsPerAcquisition(100);
    config.setAsyncExecutorMaxAsyncJobsDuePerAcquisition(100);
    config.setBeans(Map.of("bench", process));
    engine = config.buildProcessEngine();
    engine.getRepositoryService().createDeployment().addClasspathResource("complaint.bpmn20.xml").deploy();
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    // The password comes from the environment, out of `ps`.
    if (System.getenv("FLOWABLE_JDBC_PASSWORD") != null) options.putIfAbsent("password", System.getenv("FLOWABLE_JDBC_PASSWORD"));
    for (String required : List.of("jdbc", "user", "password")) {
      if (!options.containsKey(required)) throw new IllegalArgumentException("--" + required + " is required");
    }
    Harness harness = new Harness(options);
    try {
      int lifecycle = Integer.parseInt(options.getOrDefault("lifecycle", "200"));
      if (lifecycle > 0) harness.lifecycle(lifecycle, 16);
      String steps = options.getOrDefault("steps", "1000,10000,100000");
      if (!steps.isBlank()) harness.openCases(Arrays.stream(steps.split(",")).mapToInt(Integer::parseInt).toArray());
    } finally {
      harness.engine.close();
    }
  }

  private Map<String, Object> variables(String ticket, long signForLimitMs, boolean probe) {
    Map<String, Object> vars = new HashMap<>();
    vars.put("caseNo", "bench-" + ticket);
    vars.put("category", "neighbour-dispute");
    vars.put("urgency", "normal");
    vars.put("locationUnit", "heping-north");
    vars.put("signForLimitMs", signForLimitMs);
    vars.put("resolveLimitMs", OPEN_LIMIT_MS);
    vars.put("probe", probe);
    return vars;
  }

  /** Whole cases: start, sign for, resolve, evaluate, closed; `concurrency` at a time. */
  private void lifecycle(int cases, int concurrency) throws Exception {
    RuntimeService runtime = engine.getRuntimeService();
    TaskService tasks = engine.getTaskService();
    ConcurrentLinkedQueue<Double> durations = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    long started = System.nanoTime();
    runConcurrently(concurrency, () -> {
      for (int i = next.getAndIncrement(); i < cases; i = next.getAndIncrement()) {
        long t0 = System.nanoTime();
        String id = runtime.startProcessInstanceByKey("complaint", "L" + i, variables("L" + i, OPEN_LIMIT_MS, false)).getId();
        for (String key : List.of("signFor", "resolve", "evaluate")) {
          Task task = tasks.createTaskQuery().processInstanceId(id).taskDefinitionKey(key).singleResult();
          tasks.complete(task.getId());
        }
        if (runtime.createProcessInstanceQuery().processInstanceId(id).count() != 0) throw new IllegalStateException("case " + i + " did not close");
        durations.add((System.nanoTime() - t0) / 1e9);
        progress("lifecycle", durations.size(), cases);
      }
      return null;
    });
    double minutes = (System.nanoTime() - started) / 60e9;
    emit("{\"kind\":\"lifecycle\",\"cases\":%d,\"concurrency\":%d,\"casesPerMinute\":%.1f,\"p50Seconds\":%.3f,\"p99Seconds\":%.3f}",
        cases, concurrency, cases / minutes, percentile(new ArrayList<>(durations), 50), percentile(new ArrayList<>(durations), 99));
  }

  /**
   * Grows the open cases step by step, each waiting to be signed for with two live timers, and measures
   * the start rate, memory, database size and how late probe timers (a 20 s sign-for limit) fire.
   */
  private void openCases(int[] steps) throws Exception {
    int threads = Integer.parseInt(options.getOrDefault("threads", "32"));
    int probes = Integer.parseInt(options.getOrDefault("probes", "100"));
    long probeLimitMs = Long.parseLong(options.getOrDefault("probe-limit-seconds", "20")) * 1000;
    RuntimeService runtime = engine.getRuntimeService();
    int open = 0;
    for (int step = 0; step < steps.length; step += 1) {
      int target = steps[step];
      String label = "flowable " + target;
      AtomicInteger next = new AtomicInteger(open);
      long t0 = System.nanoTime();
      runConcurrently(threads, () -> {
        for (int i = next.getAndIncrement(); i < target; i = next.getAndIncrement()) {
          runtime.startProcessInstanceByKey("complaint", "O" + i, variables("O" + i, OPEN_LIMIT_MS, false));
          if (i % 500 == 0) progress(label, i, target);
        }
        return null;
      });
      double startSeconds = (System.nanoTime() - t0) / 1e9;
      // Starting a case runs routing, deadlines and both timers in its start transaction: started is settled.
      process.lateness.clear();
      AtomicInteger probe = new AtomicInteger(step * probes);
      int probeEnd = (step + 1) * probes;
      runConcurrently(8, () -> {
        for (int i = probe.getAndIncrement(); i < probeEnd; i = probe.getAndIncrement()) {
          runtime.startProcessInstanceByKey("complaint", "P" + i, variables("P" + i, probeLimitMs, true));
        }
        return null;
      });
      long waitUntil = System.currentTimeMillis() + probeLimitMs + 60_000;
      while (process.lateness.size() < probes && System.currentTimeMillis() < waitUntil) {
        progress(label + " probes", process.lateness.size(), probes);
        Thread.sleep(1_000);
      }
      List<Double> late = process.lateness.stream().map(Long::doubleValue).toList();
      System.gc();
      Runtime rt = Runtime.getRuntime();
      emit("{\"kind\":\"open\",\"openCases\":%d,\"startSeconds\":%.1f,\"startsPerSecond\":%.1f,\"settleSeconds\":%.1f,\"casesPerSecondSettled\":%.1f,"
              + "\"rssMiB\":%.1f,\"heapUsedMiB\":%.1f,\"dbMiB\":%.1f,\"probes\":%d,\"timerLatenessP50Ms\":%.0f,\"timerLatenessP99Ms\":%.0f}",
          target, startSeconds, (target - open) / startSeconds, startSeconds, (target - open) / startSeconds,
          rssMiB(), (rt.totalMemory() - rt.freeMemory()) / 1048576.0, databaseMiB(), late.size(), percentile(late, 50), percentile(late, 99));
      open = target;
    }
  }

  private static void runConcurrently(int threads, java.util.concurrent.Callable<Void> body) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Void>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t += 1) futures.add(pool.submit(body));
      for (Future<Void> f : futures) f.get();
    } finally {
      pool.shutdown();
    }
  }

  private double databaseMiB() throws Exception {
    try (Connection c = engine.getProcessEngineConfiguration().getDataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT pg_database_size(current_database())")) {
      r.next();
      return r.getLong(1) / 1048576.0;
    }
  }

  private static double rssMiB() throws Exception {
    Matcher m = Pattern.compile("VmRSS:\\s+(\\d+)").matcher(Files.readString(Path.of("/proc/self/status")));
    return m.find() ? Long.parseLong(m.group(1)) / 1024.0 : Double.NaN;
  }

  /** Nearest-rank percentile, like bench/progress.ts. */
  private static double percentile(List<Double> values, double p) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(Double::compare);
    int rank = (int) Math.ceil(p / 100 * sorted.size()) - 1;
    return sorted.get(Math.min(sorted.size() - 1, Math.max(0, rank)));
  }

  private static long lastProgress;

  private static synchronized void progress(String label, int done, int total) {
    long now = System.currentTimeMillis();
    if (now - lastProgress < 5_000 && done < total) return;
    lastProgress = now;
    System.err.printf("%-14s %d/%d%n", label, done, total);
  }

  private static synchronized void emit(String format, Object... args) {
    System.out.println(String.format(java.util.Locale.ROOT, format, args).replace("NaN", "null"));
    System.out.flush();
  }
}
