using System.Diagnostics;
using System.Net;

namespace OrleansTenants.LoadTester.Workload;

/// <summary>One HTTP endpoint of the design under test (a silo, the Api, a baseline process).</summary>
internal sealed class Target(string name, Uri baseUrl)
{
    private int _down;

    public string Name { get; } = name;

    public Uri BaseUrl { get; } = baseUrl;

    public bool IsDown => Volatile.Read(ref _down) == 1;

    internal bool TryMarkDown() => Interlocked.Exchange(ref _down, 1) == 0;

    internal void MarkUp() => Volatile.Write(ref _down, 0);
}

/// <summary>
/// The client-side load balancer: round robin over the targets that are up. A target whose connection fails is
/// taken out at once (passive check) and put back when its <c>/healthz</c> answers again (active check, once a
/// second), as a load balancer in front of the nodes would.
/// </summary>
internal sealed class TargetPool : IAsyncDisposable
{
    private readonly Target[] _targets;
    private readonly HttpClient _probe;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _probes = [];
    private readonly Lock _lock = new();
    private int _next = -1;

    public TargetPool(IEnumerable<Target> targets, HttpMessageHandler handler)
    {
        _targets = [.. targets];
        if (_targets.Length == 0)
        {
            throw new ArgumentException("There is no target.", nameof(targets));
        }

        _probe = new HttpClient(handler, disposeHandler: false) { Timeout = TimeSpan.FromSeconds(1) };
    }

    public Target? Pick()
    {
        for (var i = 0; i < _targets.Length; i++)
        {
            var target = _targets[(int)((uint)Interlocked.Increment(ref _next) % (uint)_targets.Length)];
            if (!target.IsDown)
            {
                return target;
            }
        }

        return null;
    }

    /// <summary>Takes the target out until its health check passes.</summary>
    public void MarkDown(Target target)
    {
        if (!target.TryMarkDown() || _stopping.IsCancellationRequested)
        {
            return;
        }

        lock (_lock)
        {
            _probes.Add(Task.Run(() => ProbeUntilUpAsync(target)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        Task[] probes;
        lock (_lock)
        {
            probes = [.. _probes];
        }

        await Task.WhenAll(probes);
        _probe.Dispose();
        _stopping.Dispose();
    }

    private async Task ProbeUntilUpAsync(Target target)
    {
        var clock = Stopwatch.StartNew();
        // Bounded: a target that stays dead is probed for at most an hour (the run is over long before).
        while (!_stopping.IsCancellationRequested && clock.Elapsed < TimeSpan.FromHours(1))
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token);
                using var response = await _probe.GetAsync(new Uri(target.BaseUrl, "healthz"), _stopping.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    target.MarkUp();
                    return;
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
            {
                // Still down.
            }
        }
    }
}
