using System.Diagnostics;
using Npgsql;
using OrleansTenants.LoadTester.Reporting;

namespace OrleansTenants.LoadTester.Monitoring;

/// <summary>
/// Samples <c>pg_stat_activity</c> once a second: client backends by owner (from <c>application_name</c>) and database.
/// Owners: <c>grain:data</c> (the silos' tenant pools, <c>orleans-tenants:*</c>), <c>grain:cluster</c> (the silos' and
/// the Api's catalog and membership connections, named after the node by the launcher), <c>direct:data</c>,
/// <c>direct:catalog</c>, <c>ttl-cache:data</c>, <c>ttl-cache:catalog</c>, <c>loadtester:tool</c>, <c>other:*</c>.
/// Samples keep the Stopwatch time they were taken at, so the sampler can start before the run's clock is set (the
/// cold burst comes before the run's warm-up) and its samples are placed on that clock afterwards.
/// </summary>
internal sealed class ConnectionSampler : IAsyncDisposable
{
    private const string Sql = """
        SELECT coalesce(application_name, ''), coalesce(datname, ''), count(*)::int
        FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
        GROUP BY 1, 2
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly List<(long At, Dictionary<string, int> Groups)> _samples = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public ConnectionSampler(string serverConnectionString)
    {
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(serverConnectionString)
        {
            ApplicationName = "loadtester-monitor",
            MaxPoolSize = 1,
        }.ConnectionString);
    }

    /// <summary>The samples so far, at the times <paramref name="secondsAt"/> gives their Stopwatch timestamps.</summary>
    public IReadOnlyList<ConnectionSample> Samples(Func<long, double> secondsAt)
    {
        lock (_samples)
        {
            return [.. _samples.Select(s => new ConnectionSample(Math.Round(secondsAt(s.At), 2), s.Groups))];
        }
    }

    public static string Owner(string applicationName)
    {
        var prefix = applicationName.Split(':', 2)[0];
        return prefix switch
        {
            "orleans-tenants" => "grain:data",
            "api" => "grain:cluster",
            _ when prefix.StartsWith("silo-", StringComparison.Ordinal) => "grain:cluster",
            "direct" => "direct:data",
            "direct-catalog" => "direct:catalog",
            "ttl-cache" => "ttl-cache:data",
            "ttl-cache-catalog" => "ttl-cache:catalog",
            _ when prefix.StartsWith("loadtester", StringComparison.Ordinal) => "loadtester:tool",
            "" => "other:(none)",
            _ => "other:" + prefix,
        };
    }

    /// <summary>Peak and mean of the design's connections over samples with T in [from, to].</summary>
    public static ConnectionSummary Summarize(IReadOnlyList<ConnectionSample> samples, string designPrefix, double from, double to)
    {
        var window = samples.Where(s => s.T >= from && s.T <= to).ToList();
        if (window.Count == 0)
        {
            return new ConnectionSummary(designPrefix, 0, 0, 0, 0, 0, new Dictionary<string, int>());
        }

        var design = window.Select(s => ReportWriter.DesignTotal(s, designPrefix)).ToList();
        var data = window.Select(s => ReportWriter.DesignData(s, designPrefix)).ToList();
        var peakByGroup = window.SelectMany(s => s.Groups).GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(kv => kv.Value), StringComparer.Ordinal);
        return new ConnectionSummary(
            designPrefix,
            design.Max(),
            Math.Round(design.Average(), 1),
            data.Max(),
            Math.Round(data.Average(), 1),
            window.Max(s => s.Groups.Values.Sum()),
            peakByGroup);
    }

    public void Start(TimeSpan period)
    {
        _loop = Task.Run(async () =>
        {
            while (!_stopping.IsCancellationRequested)
            {
                try
                {
                    var sample = await SampleAsync(_stopping.Token);
                    lock (_samples)
                    {
                        _samples.Add(sample);
                    }
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException)
                {
                    // A missed sample is a gap in the chart, not a failed run.
                }

                try
                {
                    await Task.Delay(period, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    private async Task<(long At, Dictionary<string, int> Groups)> SampleAsync(CancellationToken cancellationToken)
    {
        var at = Stopwatch.GetTimestamp();
        await using var command = _dataSource.CreateCommand(Sql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var groups = new Dictionary<string, int>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = $"{Owner(reader.GetString(0))}|{reader.GetString(1)}";
            groups[key] = groups.GetValueOrDefault(key) + reader.GetInt32(2);
        }

        return (at, groups);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        await _dataSource.DisposeAsync();
        _stopping.Dispose();
    }
}
