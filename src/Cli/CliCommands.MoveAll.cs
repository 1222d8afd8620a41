using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansTenants.Abstractions.Administration;
using OrleansTenants.Abstractions.Catalog;
using OrleansTenants.Abstractions.Moves;
using OrleansTenants.Cli.MoveAll;
using Spectre.Console;

namespace OrleansTenants.Cli;

/// <summary>
/// <c>tenants move-all</c>: the "split one database into many" migration (or its reverse) as one resumable command.
/// Every tenant matching a selector is moved to a target placement, a few at a time, with live progress and a final
/// verification report.
/// </summary>
internal sealed partial class CliCommands
{
    private const int InterruptedExitCode = 130;

    private Command MoveAll()
    {
        var fromMode = new Option<string>("--from-mode") { Description = "Select tenants placed so: single, dedicated, shared or sharded." };
        fromMode.AcceptOnlyFromAmong(PlacementOptions.Modes);
        var fromDatabase = new Option<string[]>("--from-database") { Description = "Select tenants in this database; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var industry = new Option<string>("--industry") { Description = "Select tenants of this industry (case-insensitive)." };
        var tenant = new Option<string[]>("--tenant") { Description = "Select this tenant; repeat for several.", Arity = ArgumentArity.ZeroOrMore };
        var target = new PlacementOptions(connectionOptions: false);
        var how = new Option<string>("--copy") { Description = "online or offline for every move. Default: online where the servers allow it." };
        how.AcceptOnlyFromAmong(TenantMoveModes.Online, TenantMoveModes.Offline);
        var parallel = new Option<int>("--parallel") { Description = "Moves running at once (1-16).", DefaultValueFactory = _ => 2 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the plan (tenants, rows per table, target, estimated time) and change nothing." };
        var statePath = new Option<string>("--state") { Description = "The run's state file. Default: ./.data/move-all/<run>.json, named after the selector and target." };
        var reportPath = new Option<string>("--report") { Description = "Where to write the JSON report. Default: the state file's name with .report.json." };
        var command = new Command("move-all",
            "Move every tenant matching the selector to the target placement: the split of one database into many as one command. "
            + "Run the same command again after Ctrl-C or a crash to go on where it stopped. Exit code 1 when a tenant failed, 130 when interrupted.")
        {
            fromMode, fromDatabase, industry, tenant, how, parallel, dryRun, statePath, reportPath,
        };
        target.AddTo(command);
        parallel.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 16)
            {
                result.AddError("--parallel must be between 1 and 16.");
            }
        });
        command.Validators.Add(result =>
        {
            if (result.GetValue(fromMode) is null && result.GetValue(fromDatabase) is not { Length: > 0 } && result.GetValue(industry) is null
                && result.GetValue(tenant) is not { Length: > 0 })
            {
                result.AddError("Select the tenants to move with --from-mode, --from-database, --industry or --tenant.");
            }
        });

        Admin(command, async (s, p, ct) =>
        {
            var selector = new MoveAllSelector(
                p.GetValue(fromMode),
                [.. (p.GetValue(fromDatabase) ?? []).Order(StringComparer.Ordinal)],
                p.GetValue(industry),
                [.. (p.GetValue(tenant) ?? []).Order(StringComparer.Ordinal)]);
            var placement = target.Read(p);
            if (placement.Mode == PlacementModes.Dedicated && placement.CreateDatabase != true)
            {
                await _context.Error.WriteLineAsync("error: moving many tenants to dedicated databases needs --create-database: each gets one of its own.");
                return 1;
            }

            var copy = p.GetValue(how);
            var destination = new MoveAllTarget(placement, (await s.Client.ListDatabasesAsync(ct)).Value);
            var key = MoveAllState.KeyOf(selector, placement, copy);
            var path = p.GetValue(statePath) is { } chosen ? _context.ResolvePath(chosen) : _context.ResolvePath($".data/move-all/{key}.json");
            var state = MoveAllState.Load(path);
            if (state is null)
            {
                state = NewMoveAllState(key, selector, destination, copy, (await s.Client.ListTenantsAsync(ct)).Value);
            }
            else
            {
                ResumeMoveAllState(state, s.Out, path);
            }

            if (state.Tenants.Count == 0)
            {
                s.Out.WriteLine($"No tenant is {selector}.");
                return 0;
            }

            var run = new MoveAllRun(s.Client, state, path, p.GetValue(parallel));
            var plans = await run.PlanAsync(ct);
            if (p.GetValue(dryRun))
            {
                return WriteMoveAllPlan(s, state, destination, plans, p.GetValue(parallel));
            }

            state.Save(path);
            if (!s.Json)
            {
                s.Out.WriteLine($"Moving {state.Tenants.Count} tenants ({state.Selector}) to {destination}, {p.GetValue(parallel)} at a time. State: {path}");
            }

            try
            {
                await run.RunAsync(s.Json ? CliOutput.Create(TextWriter.Null) : s.Console, plans, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                var moving = state.Tenants.Count(t => t.Status == MoveAllStatuses.Moving);
                s.Out.WriteLine($"Interrupted. {moving} move(s) under way go on on the cluster; run the same command again to follow them and move the rest.");
                s.Out.WriteLine($"State: {path}");
                return InterruptedExitCode;
            }

            var report = await run.ReportAsync(ct);
            var reportFile = p.GetValue(reportPath) is { } chosenReport ? _context.ResolvePath(chosenReport) : Path.ChangeExtension(path, ".report.json");
            await File.WriteAllTextAsync(reportFile, JsonSerializer.Serialize(report, MoveAllJsonContext.Default.MoveAllReport), ct);
            if (s.Json)
            {
                s.Out.WriteLine(JsonSerializer.Serialize(report, MoveAllJsonContext.Default.MoveAllReport));
            }
            else
            {
                WriteMoveAllReport(s, report, reportFile);
            }

            return report.Totals.Failed > 0 || !report.Totals.AllVerified ? 1 : 0;
        });
        return command;
    }

    private static MoveAllState NewMoveAllState(string key, MoveAllSelector selector, MoveAllTarget target, string? copy, IEnumerable<TenantView> tenants) => new()
    {
        Key = key,
        StartedAt = DateTimeOffset.UtcNow,
        Selector = selector,
        Target = target.Placement,
        Copy = copy,
        Tenants =
        [
            .. tenants.Where(selector.Matches).OrderBy(t => t.Id, StringComparer.Ordinal).Select(t => new MoveAllEntry
            {
                Id = t.Id,
                FromDatabase = t.Placement.Database,
                ToDatabase = target.DatabaseFor(t.Id),
                Status = t.Status != TenantStatuses.Active || target.Holds(t) ? MoveAllStatuses.Skipped : MoveAllStatuses.Planned,
                Error = t.Status != TenantStatuses.Active ? $"it is {t.Status}" : target.Holds(t) ? "it is there already" : null,
            }),
        ],
    };

    /// <summary>A run found on disk: failed tenants get another try; started moves are followed.</summary>
    private static void ResumeMoveAllState(MoveAllState state, TextWriter output, string path)
    {
        foreach (var failed in state.Tenants.Where(t => t.Status == MoveAllStatuses.Failed))
        {
            state.Update(failed, e => (e.Status, e.MoveId, e.MovesBefore, e.Error) = (MoveAllStatuses.Planned, null, null, null));
        }

        var done = state.Tenants.Count(t => t.Status is MoveAllStatuses.Moved or MoveAllStatuses.Skipped);
        output.WriteLine($"Resuming the run started {CliOutput.Time(state.StartedAt)} ({path}): {done} of {state.Tenants.Count} tenants done.");
    }

    private static int WriteMoveAllPlan(AdminSession s, MoveAllState state, MoveAllTarget target,
        IReadOnlyList<(MoveAllEntry Entry, TenantMovePlan? Plan, string? Refusal)> plans, int parallel)
    {
        if (s.Json)
        {
            return s.WriteJson(JsonSerializer.Serialize(plans.Where(p => p.Plan is not null).Select(p => p.Plan!).ToList(), MoveAllJsonContext.Default.ListTenantMovePlan));
        }

        s.Out.WriteLine($"Plan: {plans.Count} of {state.Tenants.Count} tenants ({state.Selector}) to {target}, {parallel} at a time.");
        var table = s.Console.Table("TENANT", "FROM", "TO", "COPY", "ROWS", "ESTIMATE", "NOTE");
        foreach (var (entry, plan, refusal) in plans)
        {
            table.Row(entry.Id, plan?.FromDatabase ?? entry.FromDatabase, plan?.ToDatabase ?? entry.ToDatabase, plan?.Mode,
                plan is null ? null : CliOutput.Number(plan.Rows), plan is null ? null : Seconds(plan.EstimatedSeconds),
                refusal is not null ? "refused: " + refusal : entry.Status == MoveAllStatuses.Moving ? "started by an earlier run" : null);
        }

        s.Console.Write(table);
        var planned = plans.Where(p => p.Plan is not null).Select(p => p.Plan!).ToList();
        var rows = s.Console.Table("TABLE", "ROWS");
        foreach (var byTable in planned.SelectMany(p => p.RowsByTable).GroupBy(t => t.Table, StringComparer.Ordinal))
        {
            rows.Row(byTable.Key, CliOutput.Number(byTable.Sum(t => t.Rows)));
        }

        s.Out.WriteLine();
        s.Console.Write(rows);
        var total = planned.Sum(p => p.EstimatedSeconds);
        s.Out.WriteLine();
        s.Out.WriteLine($"Rows: {CliOutput.Number(planned.Sum(p => p.Rows))}. Estimated time: {Seconds(Math.Max(total / parallel, planned.Select(p => p.EstimatedSeconds).DefaultIfEmpty().Max()))} "
            + $"({planned.FirstOrDefault()?.EstimateBasis ?? "nothing to move"}).");
        foreach (var skipped in state.Tenants.Where(t => t.Status == MoveAllStatuses.Skipped))
        {
            s.Out.WriteLine($"Skipped {skipped.Id}: {skipped.Error}.");
        }

        s.Out.WriteLine("Dry run: nothing was changed.");
        return plans.Any(p => p.Refusal is not null) ? 1 : 0;
    }

    private static void WriteMoveAllReport(AdminSession s, MoveAllReport report, string reportFile)
    {
        var table = s.Console.Table("TENANT", "FROM", "TO", "STATUS", "ROWS", "PAUSE MS", "SECONDS", "VERIFIED", "ERROR");
        foreach (var t in report.Tenants)
        {
            table.Row(t.Id, t.From, t.To, t.Status, t.Rows is { } rows ? CliOutput.Number(rows) : null,
                t.WritePauseMs?.ToString("0", CultureInfo.InvariantCulture), t.Seconds?.ToString("0.0", CultureInfo.InvariantCulture),
                t.Verification is null ? null : t.Verified ? $"{t.Verification.Count} tables match" : "differs", t.Error);
        }

        s.Console.Write(table);
        var totals = report.Totals;
        s.Out.WriteLine();
        s.Out.WriteLine($"{totals.Moved} moved, {totals.Skipped} skipped, {totals.Failed} failed of {totals.Tenants}; {CliOutput.Number(totals.Rows)} rows; "
            + (totals.AllVerified ? "every moved table's row count and checksum matched." : "SOME TABLES DIFFER: see the report."));
        s.Out.WriteLine($"Report: {reportFile}");
    }

    private static string Seconds(double seconds) =>
        TimeSpan.FromSeconds(Math.Round(seconds)) is var span && span.TotalMinutes >= 1
            ? $"{(int)span.TotalMinutes}m {span.Seconds:00}s"
            : $"{span.Seconds}s";
}
