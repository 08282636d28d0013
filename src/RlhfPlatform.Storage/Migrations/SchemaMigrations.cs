using DbUp.Builder;

namespace RlhfPlatform.Storage.Migrations;

/// <summary>
/// Applies the versioned SQL files of one dialect (schemas/{dialect}/NNNN_*.sql, embedded as
/// "{dialect}/NNNN_*.sql"); DbUp's journal table records which ran, so each runs once, in name order.
/// </summary>
internal static class SchemaMigrations
{
    public static void Apply(UpgradeEngineBuilder builder, string dialect)
    {
        var prefix = dialect + "/";
        var result = builder
            .WithScriptsEmbeddedInAssembly(typeof(SchemaMigrations).Assembly, name => name.StartsWith(prefix, StringComparison.Ordinal))
            .WithTransactionPerScript()
            .WithVariablesDisabled()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        if (!result.Successful)
            throw new InvalidOperationException(
                $"schema migration '{result.ErrorScript?.Name ?? dialect}' failed: {result.Error.Message}", result.Error);
    }
}
