using System.Diagnostics;
using System.Net;
using System.Text;
using FluentAssertions;
using OrleansTenants.LoadTester.Reporting;
using OrleansTenants.LoadTester.Scenarios;
using OrleansTenants.LoadTester.Workload;
using Xunit;

namespace OrleansTenants.LoadTester.Tests;

/// <summary>
/// The failover scenario's check of acknowledged writes: reading the created id, counting, and reading notes back
/// through live nodes with retries, against an in-process HTTP handler that answers as the designs do.
/// </summary>
public sealed class AcknowledgedWriteTests
{
    private static readonly Guid Present = Guid.Parse("00000000-0000-0000-0000-00000000000a");
    private static readonly Guid Missing = Guid.Parse("00000000-0000-0000-0000-00000000000b");
    private static readonly Guid Unavailable = Guid.Parse("00000000-0000-0000-0000-00000000000c");
    private static readonly LoadTenant[] Tenants = [new("lt-0001", "shared", "lt-shared-0", "key-1"), new("lt-0002", "single", "main", "key-2")];

    [Fact]
    public void The_created_id_is_the_top_level_id_of_the_body_and_nothing_else()
    {
        AcknowledgedNotes.CreatedId(Utf8($"{{\"id\":\"{Present}\",\"body\":\"load test note 1\"}}")).Should().Be(Present);
        AcknowledgedNotes.CreatedId(Utf8($"{{\"body\":\"x\",\"account\":{{\"id\":\"{Present}\"}}}}")).Should().BeNull("a nested id is another row's");
        AcknowledgedNotes.CreatedId(Utf8("{\"id\":\"not a uuid\"}")).Should().BeNull();
        AcknowledgedNotes.CreatedId(Utf8("{\"id\":42}")).Should().BeNull();
        AcknowledgedNotes.CreatedId(Utf8($"[\"{Present}\"]")).Should().BeNull();
        AcknowledgedNotes.CreatedId(Utf8("created")).Should().BeNull();
    }

    [Fact]
    public void Answers_are_present_missing_or_unverified_and_only_transient_ones_are_retried()
    {
        AcknowledgedWriteVerifier.Classify(200).Should().Be(NoteLookup.Present);
        AcknowledgedWriteVerifier.Classify(404).Should().Be(NoteLookup.Missing);
        AcknowledgedWriteVerifier.Classify(503).Should().Be(NoteLookup.Unverified);
        AcknowledgedWriteVerifier.Classify(401).Should().Be(NoteLookup.Unverified);
        AcknowledgedWriteVerifier.Classify(null).Should().Be(NoteLookup.Unverified);
        new int?[] { null, 429, 500, 503, 504 }.Should().OnlyContain(s => AcknowledgedWriteVerifier.IsTransient(s));
        new int?[] { 200, 401, 403, 404 }.Should().NotContain(s => AcknowledgedWriteVerifier.IsTransient(s));

        AcknowledgedWriteVerifier.Count([NoteLookup.Present, NoteLookup.Present, NoteLookup.Missing, NoteLookup.Unverified], withoutId: 2)
            .Should().Be(new AcknowledgedWriteCheck(6, 2, 1, 3), "a create without an id in its response cannot be read back");
    }

    [Fact]
    public async Task Notes_are_read_back_with_the_tenants_key_and_a_failure_is_retried_on_another_node()
    {
        var notes = new AcknowledgedNotes();
        notes.Record(0, Created(Present));
        notes.Record(1, Created(Missing));
        notes.Record(0, Created(Unavailable));
        notes.Record(1, Utf8("{}"));
        using var server = new FakeDesign();
        using var http = new HttpClient(server);

        // One at a time, so that round robin alternates: every first attempt goes to the node that refuses connections.
        var check = await AcknowledgedWriteVerifier.VerifyAsync(
            http, [new Target("refusing", FakeDesign.Refusing), new Target("live", FakeDesign.Live)], Tenants, notes, Options(concurrency: 1), CancellationToken.None);

        check.Should().Be(new AcknowledgedWriteCheck(Acknowledged: 4, Present: 1, Missing: 1, Unverified: 2));
        server.Requests.Should().Contain($"live GET /api/tenants/lt-0001/notes/{Present} Bearer key-1");
        server.Requests.Should().Contain($"live GET /api/tenants/lt-0002/notes/{Missing} Bearer key-2");
        server.Requests.Count(r => r.Contains(Unavailable.ToString(), StringComparison.Ordinal)).Should().Be(3, "the first attempt and two retries");
    }

    [Fact]
    public async Task At_most_the_given_number_of_lookups_run_at_once()
    {
        var notes = new AcknowledgedNotes();
        Parallel.For(0, 200, i => notes.Record(i % 2, Created(Present)));
        using var server = new FakeDesign { Delay = TimeSpan.FromMilliseconds(2) };
        using var http = new HttpClient(server);

        var check = await AcknowledgedWriteVerifier.VerifyAsync(http, [new Target("live", FakeDesign.Live)], Tenants, notes, Options(concurrency: 4), CancellationToken.None);

        check.Should().Be(new AcknowledgedWriteCheck(200, 200, 0, 0));
        server.MaxInFlight.Should().BeInRange(1, 4);
    }

    [Fact]
    public async Task Lookups_not_done_within_the_budget_are_unverified_and_so_is_everything_without_a_live_node()
    {
        var notes = new AcknowledgedNotes();
        notes.Record(0, Created(Present));
        notes.Record(1, Created(Missing));
        using var server = new FakeDesign { Delay = Timeout.InfiniteTimeSpan };
        using var http = new HttpClient(server);

        var clock = Stopwatch.StartNew();
        var check = await AcknowledgedWriteVerifier.VerifyAsync(
            http, [new Target("live", FakeDesign.Live)], Tenants, notes, Options(concurrency: 2) with { Budget = TimeSpan.FromMilliseconds(300) }, CancellationToken.None);

        check.Should().Be(new AcknowledgedWriteCheck(2, 0, 0, 2));
        clock.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(10), "the request timeout is longer, the budget ends it");
        (await AcknowledgedWriteVerifier.VerifyAsync(http, [], Tenants, notes, Options(concurrency: 2), CancellationToken.None))
            .Should().Be(new AcknowledgedWriteCheck(2, 0, 0, 2));
    }

    private static WriteCheckOptions Options(int concurrency) =>
        new(concurrency, [TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)], TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(1));

    private static byte[] Created(Guid id) => Utf8($"{{\"id\":\"{id}\",\"body\":\"load test note\",\"createdAt\":\"2026-01-02T03:04:05Z\"}}");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>
    /// Two nodes of a design: <see cref="Refusing"/> refuses connections, <see cref="Live"/> serves the notes table
    /// (<see cref="Present"/> exists, <see cref="Unavailable"/>'s tenant database is down) to the tenant's own key only.
    /// </summary>
    private sealed class FakeDesign : HttpMessageHandler
    {
        public static readonly Uri Refusing = new("http://refusing.test/");
        public static readonly Uri Live = new("http://live.test/");
        private readonly Lock _lock = new();
        private readonly List<string> _requests = [];
        private int _inFlight;
        private int _maxInFlight;

        public TimeSpan Delay { get; init; } = TimeSpan.Zero;

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_lock)
                {
                    return [.. _requests];
                }
            }
        }

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var uri = request.RequestUri!;
            lock (_lock)
            {
                _requests.Add($"{uri.Host.Split('.')[0]} {request.Method} {uri.AbsolutePath} {request.Headers.Authorization}");
            }

            if (uri.Host == Refusing.Host)
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused");
            }

            var inFlight = Interlocked.Increment(ref _inFlight);
            try
            {
                int max;
                while (inFlight > (max = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, max) != max)
                {
                }

                if (Delay != TimeSpan.Zero)
                {
                    await Task.Delay(Delay, cancellationToken);
                }

                var segments = uri.AbsolutePath.Split('/');
                var tenant = Tenants.Single(t => t.Id == segments[3]);
                var id = Guid.Parse(segments[5]);
                var status = request.Headers.Authorization?.Parameter != tenant.ApiKey ? HttpStatusCode.Unauthorized
                    : id == Present ? HttpStatusCode.OK
                    : id == Unavailable ? HttpStatusCode.ServiceUnavailable
                    : HttpStatusCode.NotFound;
                return new HttpResponseMessage(status) { Content = new StringContent(status == HttpStatusCode.OK ? $"{{\"id\":\"{id}\"}}" : "{}") };
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
