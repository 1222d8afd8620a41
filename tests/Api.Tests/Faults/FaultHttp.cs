using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FluentAssertions;

namespace OrleansTenants.Api.Tests.Faults;

/// <summary>One HTTP answer as the fault tests look at it: status, how long it took, body and the headers that matter.</summary>
internal sealed record Answer(HttpStatusCode Status, TimeSpan Took, string Body, string? ContentType, TimeSpan? RetryAfter)
{
    public string? Detail => ContentType == "application/problem+json" && Body.Length > 0
        && JsonDocument.Parse(Body).RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;

    public override string ToString() => $"{(int)Status} in {Took.TotalMilliseconds:0} ms: {Body}";
}

internal static class FaultHttp
{
    public static async Task<Answer> GetAsync(HttpClient http, string path)
    {
        var started = Stopwatch.StartNew();
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, started.Elapsed, body, response.Content.Headers.ContentType?.MediaType, response.Headers.RetryAfter?.Delta);
    }

    public static async Task<Guid> CreateAsync(HttpClient http, string tenant, string resource, object body)
    {
        using var response = await http.PostAsJsonAsync($"/api/tenants/{tenant}/{resource}", body);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.Created, $"POST {resource}: {text}");
        return ApiCluster.Json(text).GetProperty("id").GetGuid();
    }

    public static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        var answer = await GetAsync(http, path);
        answer.Status.Should().Be(HttpStatusCode.OK, $"GET {path}: {answer}");
        return ApiCluster.Json(answer.Body);
    }

    public static async Task<List<string>> ListNamesAsync(HttpClient http, string tenant)
    {
        var page = await GetJsonAsync(http, $"/api/tenants/{tenant}/accounts?limit=500");
        return [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()!)];
    }

    /// <summary>The HTTP contract's 503: a problem+json naming the database, with a Retry-After of at least a second.</summary>
    public static void ShouldBeDatabaseUnavailable(this Answer answer, string because = "")
    {
        answer.Status.Should().Be(HttpStatusCode.ServiceUnavailable, $"{because}: {answer}");
        answer.ContentType.Should().Be("application/problem+json", answer.ToString());
        answer.RetryAfter.Should().NotBeNull($"a 503 carries Retry-After: {answer}");
        answer.RetryAfter!.Value.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1), answer.ToString());
        var problem = ApiCluster.Json(answer.Body);
        problem.GetProperty("status").GetInt32().Should().Be(503, answer.ToString());
        problem.GetProperty("detail").GetString().Should().Contain("database", answer.ToString());
    }

    /// <summary>Polls <paramref name="probe"/> until it holds, failing after <paramref name="timeout"/> with the last value seen.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var waiting = Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (waiting.Elapsed > timeout)
            {
                throw new TimeoutException($"{what}: not within {timeout}; last seen: {value}");
            }

            await Task.Delay(50);
        }
    }
}
