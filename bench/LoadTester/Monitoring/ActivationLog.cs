using System.Globalization;
using System.Text.Json;

namespace OrleansTenants.LoadTester.Monitoring;

/// <summary>A silo's log (JSON lines, as the launcher has the nodes write it) and, if it was killed, when.</summary>
internal sealed record SiloLog(string Silo, string LogFile, DateTimeOffset? KilledAt);

/// <summary>What the silos' logs say about tenant activations.</summary>
internal sealed record ActivationAnalysis(
    int Activations,
    int ActivationsInWindow,
    int Deactivations,
    int IdleCollectionsInWindow,
    int Duplicates,
    IReadOnlyList<string> DuplicateExamples);

/// <summary>
/// Finds duplicate activations from the silos' own logs. The TenantGrain logs "Tenant X activated" at the end of
/// OnActivateAsync, after its directory registration, and "Tenant X deactivated" in OnDeactivateAsync, before its
/// directory entry is removed, both with a UTC timestamp of the shared machine clock. So each activation's logged
/// interval lies within the time it held the grain's directory entry, and two intervals of one tenant that overlap
/// on different silos are two activations alive at once. An activation still open when its silo was killed (kill -9
/// logs nothing) ends at the kill; one still open on a silo that runs is alive when the logs are analyzed, so it lasts
/// until then (not until its silo's last log line: a quiet silo still holds its activations).
/// </summary>
internal static class ActivationLog
{
    private const string TenantGrainCategory = "OrleansTenants.Grains.Tenants.TenantGrain";

    /// <summary>
    /// Activations and duplicates in the logs; <paramref name="windowStart"/>..<paramref name="windowEnd"/> is the measured
    /// window (for the counts in it), <paramref name="analyzedAt"/> the time of analysis, while the silos not killed still run.
    /// </summary>
    public static ActivationAnalysis Analyze(IReadOnlyList<SiloLog> silos, DateTimeOffset windowStart, DateTimeOffset windowEnd, DateTimeOffset analyzedAt)
    {
        var intervals = new List<(string Tenant, string Silo, DateTimeOffset Start, DateTimeOffset End)>();
        var activations = 0;
        var inWindow = 0;
        var deactivations = 0;
        var idleInWindow = 0;
        foreach (var silo in silos)
        {
            var open = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            foreach (var (at, tenant, activated, reason) in Read(silo.LogFile))
            {
                if (activated)
                {
                    activations++;
                    inWindow += at >= windowStart && at <= windowEnd ? 1 : 0;
                    if (open.TryGetValue(tenant, out var already))
                    {
                        // A deactivation line went missing: the silo cannot hold two activations of one grain.
                        intervals.Add((tenant, silo.Silo, already, at));
                    }

                    open[tenant] = at;
                }
                else
                {
                    deactivations++;
                    idleInWindow += reason == "ActivationIdle" && at >= windowStart && at <= windowEnd ? 1 : 0;
                    if (open.Remove(tenant, out var started))
                    {
                        intervals.Add((tenant, silo.Silo, started, at));
                    }
                }
            }

            var end = silo.KilledAt ?? analyzedAt;
            intervals.AddRange(open.Select(kv => (kv.Key, silo.Silo, kv.Value, end)));
        }

        var duplicates = 0;
        var examples = new List<string>();
        foreach (var tenant in intervals.GroupBy(i => i.Tenant, StringComparer.Ordinal))
        {
            var list = tenant.OrderBy(i => i.Start).ToList();
            for (var a = 0; a < list.Count; a++)
            {
                for (var b = a + 1; b < list.Count && list[b].Start < list[a].End; b++)
                {
                    if (list[b].Silo != list[a].Silo)
                    {
                        duplicates++;
                        if (examples.Count < 5)
                        {
                            examples.Add($"{tenant.Key}: {list[a].Silo} {list[a].Start:HH:mm:ss.fff}-{list[a].End:HH:mm:ss.fff} and {list[b].Silo} {list[b].Start:HH:mm:ss.fff}-{list[b].End:HH:mm:ss.fff}");
                        }
                    }
                }
            }
        }

        return new ActivationAnalysis(activations, inWindow, deactivations, idleInWindow, duplicates, examples);
    }

    /// <summary>The TenantGrain's activation and deactivation lines: (timestamp, tenant, activated?, deactivation reason).</summary>
    internal static IEnumerable<(DateTimeOffset At, string Tenant, bool Activated, string? Reason)> Read(string logFile)
    {
        if (!File.Exists(logFile))
        {
            yield break;
        }

        using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (!line.StartsWith('{') || !line.Contains(TenantGrainCategory, StringComparison.Ordinal))
            {
                continue;
            }

            (DateTimeOffset, string, bool, string?)? entry = null;
            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (root.GetProperty("Category").GetString() == TenantGrainCategory
                    && root.TryGetProperty("State", out var state)
                    && state.TryGetProperty("TenantId", out var tenant)
                    && root.TryGetProperty("Timestamp", out var timestamp)
                    && DateTimeOffset.TryParse(timestamp.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    var message = root.GetProperty("Message").GetString() ?? "";
                    if (message.Contains(" activated", StringComparison.Ordinal))
                    {
                        entry = (at, tenant.GetString()!, true, null);
                    }
                    else if (message.Contains(" deactivated", StringComparison.Ordinal))
                    {
                        entry = (at, tenant.GetString()!, false, state.TryGetProperty("Reason", out var reason) ? reason.ToString() : null);
                    }
                }
            }
            catch (JsonException)
            {
                // A line cut short by kill -9.
            }
            catch (KeyNotFoundException)
            {
                // Not a log entry of the expected shape.
            }

            if (entry is { } found)
            {
                yield return found;
            }
        }
    }
}
