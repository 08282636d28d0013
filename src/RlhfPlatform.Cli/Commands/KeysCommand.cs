using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RlhfPlatform.AdminApi.Access;
using RlhfPlatform.Storage;
using Spectre.Console;

namespace RlhfPlatform.Cli.Commands;

/// <summary>
/// `rlhf keys create|list|revoke`: the admin API's keys, in the run store `serve` uses (--out, or
/// Rlhf__RunStore__*), or with --api URL through a running admin API (an operator key in RLHF_API_KEY).
/// A new key is printed once; the store keeps only its salted hash.
/// </summary>
public static class KeysCommand
{
    public static Command Create()
    {
        var command = new Command("keys", "Create, list and revoke admin API keys");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(RevokeCommand());
        return command;
    }

    static Option<string> OutOption() => new("--out") { Description = "Directory of the embedded stores (as for serve)", DefaultValueFactory = _ => "rlhf-out" };

    /// <summary>Only when given: keys are managed in the local run store unless the user names an API.</summary>
    static Option<string?> ApiOption() => new("--api") { Description = "Manage the keys through this admin API (with an operator key in RLHF_API_KEY) instead of the run store" };

    /// <summary>A key's fields as both the store and the API give them (never the key).</summary>
    sealed record KeyRow(string Id, string Name, string Role, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

    static Command CreateCommand()
    {
        var roleOption = new Option<string>("--role") { Description = "reader (every GET) or operator (also submit and cancel)", Required = true };
        roleOption.AcceptOnlyFromAmong(ApiKeySecrets.ReaderRole, ApiKeySecrets.OperatorRole);
        var nameOption = new Option<string>("--name") { Description = "What the key is for", DefaultValueFactory = _ => "key" };
        var outOption = OutOption();
        var apiOption = ApiOption();
        var command = new Command("create", "Create a key and print it (once)") { roleOption, nameOption, outOption, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            string name = result.GetValue(nameOption)!;
            if (ApiKeySecrets.NameProblem(name) is { } problem) throw new ArgumentException($"--name: {problem}");
            string role = result.GetValue(roleOption)!;
            string keyId, key;
            if (result.GetValue(apiOption) is { } url)
            {
                using var api = new ApiClient(url);
                var created = await api.CreateKeyAsync(role, name, ct);
                (keyId, key) = (created.GetProperty("id").GetString()!, created.GetProperty("key").GetString()!);
            }
            else
            {
                await using var store = await OpenAsync(result.GetValue(outOption)!, ct);
                var (record, newKey) = ApiKeySecrets.Create(role, name, DateTimeOffset.UtcNow);
                await store.Store.CreateApiKeyAsync(record, ct);
                (keyId, key) = (record.KeyId, newKey);
            }
            Console.Error.WriteLine($"created {role} key {keyId} ({name}); it is shown only now:");
            Console.WriteLine(key);
            return 0;
        }));
        return command;
    }

    static Command ListCommand()
    {
        var jsonOption = new Option<bool>("--json") { Description = "Print JSON" };
        var outOption = OutOption();
        var apiOption = ApiOption();
        var command = new Command("list", "List keys (ids, names, roles; never the keys)") { jsonOption, outOption, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            List<KeyRow> keys;
            if (result.GetValue(apiOption) is { } url)
            {
                using var api = new ApiClient(url);
                keys = (await api.ListKeysAsync(ct)).Deserialize<List<KeyRow>>(JsonSerializerOptions.Web)!;
            }
            else
            {
                await using var store = await OpenAsync(result.GetValue(outOption)!, ct);
                keys = (await store.Store.ListApiKeysAsync(ct)).Select(k => new KeyRow(k.KeyId, k.Name, k.Role, k.CreatedAt, k.RevokedAt)).ToList();
            }
            if (result.GetValue(jsonOption))
            {
                Console.WriteLine(JsonSerializer.Serialize(keys, new JsonSerializerOptions(JsonSerializerOptions.Web) { WriteIndented = true }));
                return 0;
            }
            var table = new Table().AddColumns("id", "name", "role", "created", "revoked");
            foreach (var k in keys)
                table.AddRow(Markup.Escape(k.Id), Markup.Escape(k.Name), Markup.Escape(k.Role), k.CreatedAt.ToString("u", CultureInfo.InvariantCulture),
                    k.RevokedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
            AnsiConsole.Write(table);
            return 0;
        }));
        return command;
    }

    static Command RevokeCommand()
    {
        var idArgument = new Argument<string>("id") { Description = "The key's id (from `rlhf keys list`)" };
        var outOption = OutOption();
        var apiOption = ApiOption();
        var command = new Command("revoke", "Revoke a key: requests with it get 401 from then on") { idArgument, outOption, apiOption };
        command.SetAction((result, ct) => RlhfCli.GuardAsync(result, async () =>
        {
            string id = result.GetValue(idArgument)!;
            if (result.GetValue(apiOption) is { } url)
            {
                using var api = new ApiClient(url);
                await api.RevokeKeyAsync(id, ct); // an unknown or revoked id is a 404: exit 3, as below
                Console.WriteLine($"revoked {id}");
                return 0;
            }
            await using var store = await OpenAsync(result.GetValue(outOption)!, ct);
            if (!await store.Store.RevokeApiKeyAsync(id, ct))
            {
                Console.Error.WriteLine($"error: no live key with id '{id}'");
                return 3;
            }
            Console.WriteLine($"revoked {id}");
            return 0;
        }));
        return command;
    }

    static async Task<OpenedRunStore> OpenAsync(string outDirectory, CancellationToken ct)
    {
        var settings = ServeCommand.Settings(Path.GetFullPath(outDirectory)).Validate();
        var store = StorageFactory.CreateRunStore(settings.RunStore);
        var opened = new OpenedRunStore(store);
        try
        {
            await store.InitializeAsync(ct);
            return opened;
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
    }

    sealed record OpenedRunStore(IRunStore Store) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Store is IAsyncDisposable d ? d.DisposeAsync() : ValueTask.CompletedTask;
    }
}
