using System.Net;
using System.Text.Json;
using FluentAssertions;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>An HTTP answer, read whole, and the properties every answer to bad input must have.</summary>
internal sealed record Reply(HttpStatusCode Status, string? ContentType, string Body)
{
    public int Code => (int)Status;

    public static async Task<Reply> SendAsync(HttpClient http, HttpRequestMessage request)
    {
        using var response = await http.SendAsync(request);
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    public JsonElement Json() => ApiCluster.Json(Body);

    public override string ToString() => $"{Code} {ContentType}: {(Body.Length > 2000 ? Body[..2000] + "…" : Body)}";

    /// <summary>Never a 5xx; a 4xx is problem+json with its status.</summary>
    public void ShouldBeNoServerError(string because)
    {
        Code.Should().BeLessThan(500, because + " => " + this);
        if (Code >= 400)
        {
            ContentType.Should().Be("application/problem+json", because + " => " + this);
            Json().GetProperty("status").GetInt32().Should().Be(Code, because + " => " + this);
        }
    }

    /// <summary>A refusal with this status whose <c>errors</c> name only the faults, at least one of them.</summary>
    public void ShouldBeRefused(HttpStatusCode status, IReadOnlySet<string> faults, string because)
    {
        ShouldBeNoServerError(because);
        Status.Should().Be(status, because + " => " + this);
        if (faults.Count > 0)
        {
            Json().TryGetProperty("errors", out var errors).Should().BeTrue(because + " => " + this);
            var named = errors.EnumerateObject().Select(e => e.Name).ToArray();
            named.Should().NotBeEmpty(because + " => " + this);
            named.Should().BeSubsetOf(faults, because + " => " + this);
        }
    }
}
