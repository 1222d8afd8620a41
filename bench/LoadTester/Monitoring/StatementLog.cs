using System.Globalization;
using System.Text.RegularExpressions;

namespace OrleansTenants.LoadTester.Monitoring;

/// <summary>Statements one role ran after a moment: units of work (a request's <c>set_config('app.tenant_id', ...)</c>) and reads.</summary>
internal sealed record RoleStatements(long Units, long Reads, DateTimeOffset? Last);

/// <summary>
/// Reads the statements that PostgreSQL logged for given roles (<c>ALTER ROLE ... SET log_statement = 'all'</c>)
/// from the server's log, whose lines start with <c>log_line_prefix = '%m [%p] %u@%d '</c> in UTC.
/// </summary>
internal static partial class StatementLog
{
    public const string LinePrefix = "%m [%p] %u@%d ";

    /// <summary>Per role, the statements it ran after its moment in <paramref name="afterByRole"/>, from byte <paramref name="offset"/> of the log on.</summary>
    public static Dictionary<string, RoleStatements> Count(string logFile, long offset, IReadOnlyDictionary<string, DateTimeOffset> afterByRole)
    {
        var counts = afterByRole.Keys.ToDictionary(r => r, _ => new RoleStatements(0, 0, null), StringComparer.Ordinal);
        using var stream = new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var match = Line().Match(line);
            if (!match.Success || !counts.TryGetValue(match.Groups["user"].Value, out var current))
            {
                continue;
            }

            if (!TryParseTime(match.Groups["time"].Value, match.Groups["zone"].Value, out var at) || at <= afterByRole[match.Groups["user"].Value])
            {
                continue;
            }

            var sql = match.Groups["sql"].Value.TrimStart();
            var unit = sql.Contains("set_config('app.tenant_id'", StringComparison.Ordinal);
            var read = !unit && sql.StartsWith("SELECT", StringComparison.OrdinalIgnoreCase);
            counts[match.Groups["user"].Value] = new RoleStatements(
                current.Units + (unit ? 1 : 0),
                current.Reads + (read ? 1 : 0),
                unit || read ? (current.Last is { } last && last > at ? last : at) : current.Last);
        }

        return counts;
    }

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

    [GeneratedRegex(@"^(?<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}) (?<zone>\S+) \[\d+\] (?<user>[^@\s]*)@\S* LOG:\s+(?:statement|execute [^:]*): (?<sql>.*)$")]
    private static partial Regex Line();
}
