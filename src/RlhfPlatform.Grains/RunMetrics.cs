using RlhfPlatform.Contracts;
using RlhfPlatform.Training;

namespace RlhfPlatform.Grains;

public static class RunMetrics
{
    public static IReadOnlyList<MetricPoint> Points(IEnumerable<TrainingStepMetrics> steps) =>
        steps.SelectMany(s => s.Values.Select(kv => new MetricPoint(kv.Key, s.Step, kv.Value))).ToArray();

    public static IReadOnlyList<MetricPoint> Points(long step, IReadOnlyDictionary<string, double> values) =>
        values.Select(kv => new MetricPoint(kv.Key, step, kv.Value)).ToArray();

    public static RunEvent Event(string kind, string message) => new(DateTimeOffset.UtcNow, kind, message);
}
