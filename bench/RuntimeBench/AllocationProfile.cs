using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using System.Text;

namespace OrleansTenants.RuntimeBench;

/// <summary>
/// An in-process allocation sampler: the runtime raises GCAllocationTick about every 100 KB allocated, naming the
/// type whose allocation crossed the mark, so summing the ticks' amounts per type estimates who allocates what.
/// Process-wide (every thread, client and server side), no tools needed. Diagnostics only: listening costs time.
/// </summary>
internal sealed class AllocationProfile : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytesByType = new();
    private volatile bool _recording;

    public void Start()
    {
        _bytesByType.Clear();
        _recording = true;
    }

    /// <summary>Stops recording; returns estimated bytes per call by type.</summary>
    public Dictionary<string, double> Stop(long calls)
    {
        _recording = false;
        return _bytesByType.ToDictionary(p => p.Key, p => p.Value / (double)Math.Max(1, calls));
    }

    /// <summary>The types whose estimated bytes per call differ most between the grain call and the echo call.</summary>
    public static string Compare(Dictionary<string, double> grain, Dictionary<string, double> echo, int top = 20)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| type (sampled every ~100 KB) | grain B/call | echo B/call | difference |");
        text.AppendLine("| --- | ---: | ---: | ---: |");
        foreach (var type in grain.Keys.Union(echo.Keys)
            .Select(t => (Type: t, Grain: grain.GetValueOrDefault(t), Echo: echo.GetValueOrDefault(t)))
            .OrderByDescending(t => Math.Abs(t.Grain - t.Echo)).Take(top))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {type.Type} | {type.Grain:N0} | {type.Echo:N0} | {type.Grain - type.Echo:+#,0;-#,0;0} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| total | {grain.Values.Sum():N0} | {echo.Values.Sum():N0} | {grain.Values.Sum() - echo.Values.Sum():+#,0;-#,0;0} |");
        return text.ToString();
    }

    /// <summary>The types allocating the most bytes per call.</summary>
    public static string Top(Dictionary<string, double> profile, int top = 12)
    {
        var text = new StringBuilder();
        text.AppendLine("| type (sampled every ~100 KB) | B/call |");
        text.AppendLine("| --- | ---: |");
        foreach (var (type, bytes) in profile.OrderByDescending(p => p.Value).Take(top))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {type} | {bytes:N0} |");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"| total | {profile.Values.Sum():N0} |");
        return text.ToString();
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_recording || eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.PayloadNames is null)
        {
            return;
        }

        var typeIndex = eventData.PayloadNames.IndexOf("TypeName");
        var amountIndex = eventData.PayloadNames.IndexOf("AllocationAmount64");
        if (typeIndex < 0 || amountIndex < 0 || eventData.Payload is null)
        {
            return;
        }

        var type = eventData.Payload[typeIndex] as string ?? "?";
        var amount = Convert.ToInt64(eventData.Payload[amountIndex], CultureInfo.InvariantCulture);
        _bytesByType.AddOrUpdate(type, amount, (_, total) => total + amount);
    }
}
