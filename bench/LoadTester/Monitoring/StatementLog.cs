using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansTenants.LoadTester.Monitoring;

/// <summary>
/// What one role ran from a moment on: requests (units of work: each opens with <c>set_config('app.tenant_id', ...)</c>)
/// with any statement from the moment on, those of them that wrote nothing (reads), every statement from the moment
/// on, and the last one's time.
/// </summary>
internal sealed record RoleStatements(long Units, long Reads, DateTimeOffset? Last, long Statements = 0);

/// <summary>
/// Reads the statements that PostgreSQL logged for given roles (<c>ALTER ROLE ... SET log_statement = 'all'</c>)
/// from the server's log, whose lines start with <c>log_line_prefix = '%m [%p] %u@%d '</c> in UTC. The log's times
/// have millisecond resolution, so a statement logged in the very millisecond of the moment may have started after it:
/// in doubt it counts as stale (the moment is taken down to its millisecond, and compared with &gt;=).
/// </summary>
internal static partial class StatementLog
{
    public const string LinePrefix = "%m [%p] %u@%d ";

    /// <summary>Per role, what it ran from its moment in <paramref name="momentByRole"/> on, from byte <paramref name="offset"/> of the log on.</summary>
    public static Dictionary<string, RoleStatements> Count(string logFile, long offset, IReadOnlyDictionary<string, DateTimeOffset> momentByRole)
    {
        var from = momentByRole.ToDictionary(kv => kv.Key, kv => ToMillisecond(kv.Value), StringComparer.Ordinal);
        var counts = momentByRole.Keys.ToDictionary(r => r, _ => new RoleStatements(0, 0, null), StringComparer.Ordinal);
        // The unit of work each backend is in: its role, whether any of its statements ran from the role's moment on,
        // whether it wrote. A unit counts once, when the backend's next unit opens or the log ends.
        var units = new Dictionary<string, (string Role, bool Stale, bool Wrote)>(StringComparer.Ordinal);
        void Close(string pid)
        {
            if (units.Remove(pid, out var unit) && unit.Stale)
            {
                var c = counts[unit.Role];
                counts[unit.Role] = c with { Units = c.Units + 1, Reads = c.Reads + (unit.Wrote ? 0 : 1) };
            }
        }

        using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var match = Line().Match(line);
            var role = match.Groups["user"].Value;
            if (!match.Success || !from.TryGetValue(role, out var moment)
                || !TryParseTime(match.Groups["time"].Value, match.Groups["zone"].Value, out var at))
            {
                continue;
            }

            var pid = match.Groups["pid"].Value;
            var sql = match.Groups["sql"].Value.TrimStart();
            var stale = at >= moment;
            if (sql.Contains("set_config('app.tenant_id'", StringComparison.Ordinal))
            {
                Close(pid);
                units[pid] = (role, stale, false);
            }
            else if (units.TryGetValue(pid, out var unit))
            {
                units[pid] = (unit.Role, unit.Stale || stale, unit.Wrote || IsWrite(sql));
            }

            if (stale)
            {
                var c = counts[role];
                counts[role] = c with { Statements = c.Statements + 1, Last = c.Last is { } last && last > at ? last : at };
            }
        }

        foreach (var pid in units.Keys.ToList())
        {
            Close(pid);
        }

        return counts;
    }

    private static bool IsWrite(string sql) =>
        sql.StartsWith("INSERT", StringComparison.OrdinalIgnoreCase)
        || sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase)
        || sql.StartsWith("DELETE", StringComparison.OrdinalIgnoreCase);

    /// <summary>The moment taken down to its millisecond, the resolution of the server's log times.</summary>
    internal static DateTimeOffset ToMillisecond(DateTimeOffset moment) =>
        new(moment.Ticks - moment.Ticks % TimeSpan.TicksPerMillisecond, moment.Offset);

    internal static bool TryParseTime(string time, string zone, out DateTimeOffset at)
    {
        var offset = zone switch
        {
            "UTC" or "GMT" or "Z" => TimeSpan.Zero,
            _ when TimeSpan.TryParseExact(zone.TrimStart('+', '-'), ["hh", "hhmm", "hh\\:mm"], CultureInfo.InvariantCulture, out var parsed) => zone.StartsWith('-') ? -parsed : parsed,
            _ => (TimeSpan?)null,
        };
        at = default;
        return offset is { } o
            && DateTime.TryParseExact(time, "yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local)
            && (at = new DateTimeOffset(local, o)) != default;
    }

    [GeneratedRegex(@"^(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) (?<zone>\S+) \[(?<pid>\d+)\] (?<user>[^@\s]*)@\S* LOG:\s+(?:statement|execute [^:]*): (?<sql>.*)$")]
    private static partial Regex Line();
}
