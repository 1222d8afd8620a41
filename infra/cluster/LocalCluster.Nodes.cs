using System.Diagnostics;
using Npgsql;

namespace OrleansTenants.ClusterLauncher;

/// <summary>Starting, stopping and killing the nodes: the silos and the standalone Api.</summary>
public sealed partial class LocalCluster
{
    /// <summary>
    /// Starts every silo that is not running (all of them, after <see cref="StopSilosAsync"/>) and waits until each
    /// answers <c>/readyz</c>. <paramref name="extraArguments"/>, when given, replace the extra arguments of earlier starts.
    /// </summary>
    public async Task StartSilosAsync(IReadOnlyList<string>? extraArguments, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (extraArguments is not null)
            {
                _extraSiloArguments = extraArguments;
            }

            var started = new List<ClusterNode>();
            for (var i = 0; i < _silos.Length; i++)
            {
                if (_silos[i] is { HasExited: false })
                {
                    continue;
                }

                if (_silos[i] is { } exited)
                {
                    await exited.DisposeAsync();
                }

                var name = $"silo-{i + 1}";
                var url = new Uri($"http://{_options.Host}:{_ports[i]}");
                string[] arguments = ["--urls", url.ToString().TrimEnd('/'), .. _options.SiloArguments, .. _extraSiloArguments];
                _silos[i] = await ClusterNode.StartAsync(
                    name, NodeRole.Silo, url, _options.SiloAssembly, arguments, NodeEnvironment(name, silo: true), DataDirectory, LogPath(name), cancellationToken);
                started.Add(_silos[i]!);
            }

            WriteState();
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(started.Select(s => s.WaitUntilReadyAsync(_http, _options.ReadyTimeout, cancellationToken)));
            if (started.Count > 0)
            {
                _log.WriteLine($"{started.Count} silo(s) ready in {clock.Elapsed.TotalSeconds:F1} s");
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops every silo: SIGTERM to all at once, then waits (SIGKILL after the stop timeout).</summary>
    public async Task StopSilosAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await StopNodesAsync([.. _silos.OfType<ClusterNode>()]);
            for (var i = 0; i < _silos.Length; i++)
            {
                if (_silos[i] is { } silo)
                {
                    await silo.DisposeAsync();
                    _silos[i] = null;
                }
            }

            WriteState();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>kill -9 of one silo (index from 0); returns once it is gone.</summary>
    public async Task<ClusterNode> KillSiloAsync(int index)
    {
        var silo = _silos[index] ?? throw new InvalidOperationException($"silo-{index + 1} is not running.");
        await silo.KillAsync();
        _log.WriteLine($"{silo.Name} (pid {silo.ProcessId}) killed with SIGKILL");
        return silo;
    }

    public async Task StartApiAsync(CancellationToken cancellationToken)
    {
        if (_options.ApiAssembly is null)
        {
            throw new InvalidOperationException("No Api assembly was configured.");
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_api is { HasExited: false })
            {
                return;
            }

            if (_api is not null)
            {
                await _api.DisposeAsync();
            }

            var url = new Uri($"http://{_options.Host}:{_ports[^1]}");
            _api = await ClusterNode.StartAsync(
                "api", NodeRole.Api, url, _options.ApiAssembly, ["--urls", url.ToString().TrimEnd('/')], NodeEnvironment("api", silo: false), DataDirectory, LogPath("api"), cancellationToken);
            WriteState();
            await _api.WaitUntilReadyAsync(_http, _options.ReadyTimeout, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops the standalone Api, if it runs (SIGTERM, then wait).</summary>
    public async Task StopApiAsync()
    {
        await _gate.WaitAsync();
        try
        {
            if (_api is not null)
            {
                await StopNodesAsync([_api]);
                await _api.DisposeAsync();
                _api = null;
                WriteState();
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopNodesAsync(IReadOnlyList<ClusterNode> nodes)
    {
        var clock = Stopwatch.StartNew();
        var clean = await Task.WhenAll(nodes.Select(n => n.StopAsync(_options.StopTimeout)));
        for (var i = 0; i < nodes.Count; i++)
        {
            if (!clean[i])
            {
                _log.WriteLine($"{nodes[i].Name} did not exit within {_options.StopTimeout.TotalSeconds:0} s of SIGTERM and was killed");
            }
        }

        if (nodes.Count > 0)
        {
            _log.WriteLine($"stopped {string.Join(", ", nodes.Select(n => n.Name))} in {clock.Elapsed.TotalSeconds:F1} s");
        }
    }

    private Dictionary<string, string?> NodeEnvironment(string name, bool silo)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // Per node, so that pg_stat_activity tells the nodes' catalog and membership connections apart.
            ["ConnectionStrings__Catalog"] = new NpgsqlConnectionStringBuilder(CatalogConnectionString) { ApplicationName = name }.ConnectionString,
            // One JSON object per line with a UTC timestamp: readable by tools (the load tester reads activations from it).
            ["Logging__Console__FormatterName"] = "json",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "yyyy-MM-ddTHH:mm:ss.fffZ",
            ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
            // Nodes run with the data directory as their content root, so none of the appsettings.json files apply:
            // request logging at Information would cost more than the requests.
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft"] = "Warning",
            ["DOTNET_NOLOGO"] = "1",
        };
        if (silo)
        {
            environment["Orleans__Name"] = name;
        }

        foreach (var (key, value) in Secrets.ToEnvironment())
        {
            environment[key] = value;
        }

        foreach (var (key, value) in _options.Environment)
        {
            environment[key] = value;
        }

        return environment;
    }

    private string LogPath(string name) => Path.Combine(DataDirectory, "logs", name + ".log");
}
