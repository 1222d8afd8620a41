using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansTenants.LoadTester.Monitoring;

/// <summary>
/// What one role ran after a moment: requests (units of work: each opens with <c>set_config('app.tenant_id', ...)</c>)
/// started after it, those of them that wrote nothing (reads), every statement after it, and the last one's time.
/// </summary>
internal sealed record RoleStatements(long Units, long Reads, DateTimeOffset? Last, long Statements = 0);

/// <summary>
/// Reads the statements that PostgreSQL logged for given roles (<c>ALTER ROLE ... SET log_statement = 'all'</c>)
/// from the server's log, whose lines start with <c>log_line_prefix = '%m [%p] %u@%d '</c> in UTC.
/// </summary>
internal static partial class StatementLog
{
    public const string LinePrefix = "%m [%p] %u@%d ";

    /// <summary>Per role, what it ran after its moment in <paramref name="afterByRole"/>, from byte <paramref name="offset"/> of the log on.</summary>
    public static Dictionary<string, RoleStatements> Count(string logFile, long offset, IReadOnlyDictionary<string, DateTimeOffset> afterByRole)
    {
        var counts = afterByRole.Keys.ToDictionary(r => r, _ => new RoleStatements(0, 0, null), StringComparer.Ordinal);
        // The unit of work each backend is in: its role, whether it started after the role's moment, whether it wrote.
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
            if (!match.Success || !afterByRole.TryGetValue(role, out var after)
                || !TryParseTime(match.Groups["time"].Value, match.Groups["zone"].Value, out var at))
            {
                continue;
            }

            var pid = match.Groups["pid"].Value;
            var sql = match.Groups["sql"].Value.TrimStart();
            if (sql.Contains("set_config('app.tenant_id'", StringComparison.Ordinal))
            {
                Close(pid);
                units[pid] = (role, at > after, false);
            }
            else if (units.TryGetValue(pid, out var unit) && IsWrite(sql))
            {
                units[pid] = unit with { Wrote = true };
            }

            if (at > after)
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
