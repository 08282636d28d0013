namespace RlhfPlatform.Training.Evaluation;

/// <summary>
/// One-feature logistic regression P(y = 1 | x) = σ(a + b·x), fitted by Newton's method (IRLS) on
/// targets in [0, 1] (a tie is y = 0.5). A tiny ridge λ/2·(a² + b²), λ = 1e-6, keeps the fit finite
/// when the data are separable (e.g. every comparison won).
/// </summary>
public sealed record LogisticRegression(double Intercept, double Slope, int Iterations)
{
    public const double Ridge = 1e-6;

    public double Predict(double x) => 1 / (1 + Math.Exp(-(Intercept + Slope * x)));

    public static LogisticRegression Fit(IReadOnlyList<double> x, IReadOnlyList<double> y, int maxIterations = 100, double tolerance = 1e-10)
    {
        if (x.Count == 0 || x.Count != y.Count) throw new ArgumentException("logistic regression needs one target per input and at least one point");
        if (y.Any(v => v is < 0 or > 1)) throw new ArgumentException("targets must be in [0, 1]");
        double a = 0, b = 0;
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            // gradient g = Xᵀ(y - p) - λβ;  Newton: β += (XᵀWX + λI)⁻¹ g,  W = diag(p(1 - p))
            double ga = -Ridge * a, gb = -Ridge * b, haa = Ridge, hab = 0, hbb = Ridge;
            for (int i = 0; i < x.Count; i++)
            {
                double p = 1 / (1 + Math.Exp(-(a + b * x[i])));
                double w = p * (1 - p);
                ga += y[i] - p;
                gb += (y[i] - p) * x[i];
                haa += w;
                hab += w * x[i];
                hbb += w * x[i] * x[i];
            }
            double det = haa * hbb - hab * hab;
            double da = (hbb * ga - hab * gb) / det, db = (haa * gb - hab * ga) / det;
            a += da;
            b += db;
            if (Math.Abs(da) + Math.Abs(db) < tolerance) return new LogisticRegression(a, b, iteration);
        }
        return new LogisticRegression(a, b, maxIterations);
    }
}
