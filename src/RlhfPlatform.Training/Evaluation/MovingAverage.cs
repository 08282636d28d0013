namespace RlhfPlatform.Training.Evaluation;

/// <summary>Centred moving average of <c>window</c> points (odd), shrinking at the ends so every point keeps its place.</summary>
public static class MovingAverage
{
    public static double[] Centred(IReadOnlyList<double> values, int window)
    {
        if (window < 1 || window % 2 == 0) throw new ArgumentException($"smoothing window must be odd and positive (got {window})");
        int half = window / 2;
        var smoothed = new double[values.Count];
        for (int i = 0; i < values.Count; i++)
        {
            int from = Math.Max(0, i - half), to = Math.Min(values.Count - 1, i + half);
            double sum = 0;
            for (int j = from; j <= to; j++) sum += values[j];
            smoothed[i] = sum / (to - from + 1);
        }
        return smoothed;
    }
}
