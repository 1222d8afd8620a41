using System.Globalization;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Workload;

namespace OrleansTenants.LoadTester.Scenarios;

/// <summary>How the lookup of one acknowledged note ended.</summary>
internal enum NoteLookup
{
    Present,
    Missing,
    Unverified,
}

/// <summary>
/// How the lookups run: at most <see cref="Concurrency"/> at once, a transient failure retried after each of
/// <see cref="RetryDelays"/> in turn, each request given <see cref="RequestTimeout"/>, all of them <see cref="Budget"/>
/// (lookups not done by then are unverified, so a dead cluster cannot hold the run for hours).
/// </summary>
internal sealed record WriteCheckOptions(int Concurrency, IReadOnlyList<TimeSpan> RetryDelays, TimeSpan RequestTimeout, TimeSpan Budget)
{
    // About 4 s of retries: the killed node's tenants may still be moving to live nodes.
    public static WriteCheckOptions Default { get; } = new(
        16,
        [TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)],
        TimeSpan.FromSeconds(5),
        TimeSpan.FromMinutes(3));
}

/// <summary>
/// After a failover run, reads back every note the server acknowledged creating, through the nodes still alive, with
/// the tenant's own API key and the HTTP shape all designs serve: nothing a client was told was saved may be lost.
/// </summary>
internal static class AcknowledgedWriteVerifier
{
    /// <summary>How the runs check, for the report (from <see cref="WriteCheckOptions.Default"/>, so that it cannot drift).</summary>
    public static string Method { get; } = Describe(WriteCheckOptions.Default);

    public static async Task<AcknowledgedWriteCheck> VerifyAsync(
        HttpClient http,
        IReadOnlyList<Target> alive,
        IReadOnlyList<LoadTenant> tenants,
        AcknowledgedNotes notes,
        WriteCheckOptions options,
        CancellationToken cancellationToken)
    {
        var acknowledged = notes.Snapshot();
        var lookups = new NoteLookup[acknowledged.Count];
        if (alive.Count == 0)
        {
            Array.Fill(lookups, NoteLookup.Unverified);
            return Count(lookups, notes.WithoutId);
        }

        var next = -1;
        Target Pick() => alive[(int)((uint)Interlocked.Increment(ref next) % (uint)alive.Count)];
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Budget);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, acknowledged.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken },
            async (i, _) =>
            {
                var note = acknowledged[i];
                try
                {
                    lookups[i] = await LookupAsync(http, Pick, tenants[note.Tenant], note.Id, options, budget.Token);
                }
                catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    lookups[i] = NoteLookup.Unverified;
                }
            });
        return Count(lookups, notes.WithoutId);
    }

    /// <summary>The counts; acknowledged creates without an id in their response could not be looked up, so they are unverified.</summary>
    internal static AcknowledgedWriteCheck Count(IReadOnlyCollection<NoteLookup> lookups, long withoutId)
    {
        var present = lookups.Count(l => l == NoteLookup.Present);
        var missing = lookups.Count(l => l == NoteLookup.Missing);
        return new AcknowledgedWriteCheck(lookups.Count + withoutId, present, missing, lookups.Count - present - missing + withoutId);
    }

    internal static string Describe(WriteCheckOptions options) => string.Create(
        CultureInfo.InvariantCulture,
        $"after the run, every note create answered 2xx is read back with GET /api/tenants/{{tenant}}/notes/{{id}} through the nodes still alive, with the tenant's API key, {options.Concurrency} at once: " +
        $"200 is present, 404 missing; a 429, 5xx, timeout or connection failure is retried {options.RetryDelays.Count} times ({options.RetryDelays[0].TotalSeconds:0.##} to {options.RetryDelays[^1].TotalSeconds:0.##} s apart), " +
        $"then counted unverified, as is a create whose response had no id, and every lookup not done within {options.Budget.TotalMinutes:0.#} min");

    /// <summary>What an answer says of the note: 200 present, 404 missing, anything else (or none: null) neither.</summary>
    internal static NoteLookup Classify(int? status) => status switch
    {
        200 => NoteLookup.Present,
        404 => NoteLookup.Missing,
        _ => NoteLookup.Unverified,
    };

    /// <summary>Worth asking again: no answer (connection failure, timeout), too many requests, or a server error.</summary>
    internal static bool IsTransient(int? status) => status is null or 429 or >= 500;

    private static async Task<NoteLookup> LookupAsync(HttpClient http, Func<Target> pick, LoadTenant tenant, Guid id, WriteCheckOptions options, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            // Round robin, so that a retry goes to another node.
            var status = await GetStatusAsync(http, pick(), tenant, id, options.RequestTimeout, cancellationToken);
            if (!IsTransient(status) || attempt >= options.RetryDelays.Count)
            {
                return Classify(status);
            }

            await Task.Delay(options.RetryDelays[attempt], cancellationToken);
        }
    }

    /// <summary>The status of GET the note; null when no answer came (connection failure, this request's timeout).</summary>
    private static async Task<int?> GetStatusAsync(HttpClient http, Target target, LoadTenant tenant, Guid id, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(target.BaseUrl, $"api/tenants/{tenant.Id}/notes/{id}"));
        request.Headers.Authorization = tenant.Authorization;
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, attempt.Token);
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
