using System.Globalization;
using System.Net;
using System.Text.Json;
using FluentAssertions;
using OrleansTenants.Crm;
using Xunit;

namespace OrleansTenants.Api.Tests.Fuzz;

/// <summary>
/// Generated list queries for every resource (limit, sort, filters, cursors issued, garbage or forged): a valid one
/// answers a page within the limit whose rows match the filters, in the sort's order, after the cursor; any other is a
/// 400 problem naming the parameters at fault; never a 5xx. Reads change nothing, so no snapshot is taken.
/// </summary>
[Collection(FuzzSuite.Name)]
public sealed class QueryFuzzTests(FuzzFixture fixture)
{
    [Fact]
    public Task List_queries_answer_matching_pages_in_order_or_are_refused_naming_the_parameter() =>
        FuzzSettings.CheckAsync("list queries", 400, new QueryCases(fixture.Values, fixture.SeedRows).Query(), QueryAsync);

    private async Task QueryAsync(QueryCase query)
    {
        var resource = query.Resource;
        var descending = query.Sort.StartsWith('-');
        resource.TryGetField(query.Sort.TrimStart('-'), out var sortField);
        string? issued = null;
        JsonElement? previous = null;
        if (query.Cursor == CursorSource.Issued)
        {
            var first = await fixture.SendAsync(HttpMethod.Get, $"{fixture.PathOf(resource)}?limit=1&sort={Uri.EscapeDataString(query.Sort)}");
            // With a sort the API refuses, it reads no cursor: any text stands in for one.
            issued = first.Status == HttpStatusCode.OK ? first.Json().GetProperty("nextCursor").GetString() : "unread";
            previous = first.Status == HttpStatusCode.OK ? first.Json().GetProperty("items")[0] : null;
        }

        var reply = await fixture.SendAsync(HttpMethod.Get, $"{fixture.PathOf(resource)}?{query.QueryString(issued)}");

        if (query.Faults.Count > 0)
        {
            reply.ShouldBeRefused(HttpStatusCode.BadRequest, query.Faults, query.ToString());
            return;
        }

        reply.Status.Should().Be(HttpStatusCode.OK, $"{query} => {reply}");
        var items = reply.Json().GetProperty("items").EnumerateArray().ToArray();
        var limit = query.Parameters.Where(p => p.Name == ListQuery.LimitParameter).Select(p => int.Parse(p.Value, CultureInfo.InvariantCulture)).FirstOrDefault(ListQuery.DefaultLimit);
        items.Length.Should().BeLessThanOrEqualTo(limit, query.ToString());
        foreach (var (name, value) in query.Parameters.Where(p => resource.TryGetField(p.Name, out _)))
        {
            var field = resource[name];
            using var filter = JsonDocument.Parse(field.Type is CrmFieldType.Boolean or CrmFieldType.Integer or CrmFieldType.Decimal ? value : JsonText.Quote(value));
            items.Select(i => RowOracle.Canonical(field, i.GetProperty(name))).Should().AllBe(RowOracle.Canonical(field, filter.RootElement), query.ToString());
        }

        for (var i = 1; i < items.Length; i++)
        {
            Compare(sortField!, descending, items[i - 1], items[i]).Should().BeNegative($"rows {i - 1} and {i} in order: {query} => {reply}");
        }

        if (previous is { } last)
        {
            items.Where(i => Compare(sortField!, descending, last, i) >= 0).Should().BeEmpty($"every row comes after the cursor's: {query} => {reply}");
        }
    }

    /// <summary>The list order: the sort field ascending with NULLs last (or the reverse), then id; text in code point order (the test database's C.UTF-8 collation).</summary>
    private static int Compare(FieldDefinition field, bool descending, JsonElement a, JsonElement b)
    {
        var (x, y) = (a.GetProperty(field.Name), b.GetProperty(field.Name));
        var order = (x.ValueKind == JsonValueKind.Null, y.ValueKind == JsonValueKind.Null) switch
        {
            (true, true) => 0,
            (true, false) => 1,
            (false, true) => -1,
            _ => field.Type switch
            {
                CrmFieldType.Integer => x.GetInt64().CompareTo(y.GetInt64()),
                CrmFieldType.Decimal => x.GetDecimal().CompareTo(y.GetDecimal()),
                CrmFieldType.Boolean => x.GetBoolean().CompareTo(y.GetBoolean()),
                CrmFieldType.String or CrmFieldType.Enum => CodePointOrder(x.GetString()!, y.GetString()!),
                _ => string.CompareOrdinal(RowOracle.Canonical(field, x), RowOracle.Canonical(field, y)),
            },
        };
        order = order != 0 ? order : string.CompareOrdinal(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
        return descending ? -order : order;
    }

    private static int CodePointOrder(string x, string y)
    {
        using var left = x.EnumerateRunes().GetEnumerator();
        using var right = y.EnumerateRunes().GetEnumerator();
        while (true)
        {
            var (more, moreRight) = (left.MoveNext(), right.MoveNext());
            if (!more || !moreRight)
            {
                return more.CompareTo(moreRight);
            }

            if (left.Current != right.Current)
            {
                return left.Current.Value.CompareTo(right.Current.Value);
            }
        }
    }
}
