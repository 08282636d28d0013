using RlhfPlatform.Modeling.Tests.Tokenization;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.Environments;
using RlhfPlatform.Training.Rl;
using RlhfPlatform.Training.Synthetic;

namespace RlhfPlatform.Training.Tests.Environments;

public sealed class EnvironmentTests : IDisposable
{
    readonly string folder = Directory.CreateTempSubdirectory("rlhf-env-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void LengthTaskEnvironmentKeepsTheSyntheticPromptStreamsAndGoldReward()
    {
        var task = new LengthTask(6);
        var tokenizer = new ByteTokenizer();
        using var environment = new LengthTaskEnvironment(task, tokenizer);
        int seed = 3, step = 2;
        var expected = task.Prompts(4, seed * 100_003 + step, "train").Select(p => Tokenize.Prompt(tokenizer, p));
        Assert.Equal(expected, environment.TrainPrompts(4, seed, step));
        Assert.Equal(task.Prompts(8, seed, "eval").Select(p => Tokenize.Prompt(tokenizer, p)), environment.EvalPrompts(8, seed));
        int[] prompt = Tokenize.Prompt(tokenizer, "abc:"), response = Tokenize.Response(tokenizer, "abcabc");
        Assert.Equal(task.GoldReward("abc:", "abcabc"), environment.Judge.ScoreInFullPrecision([prompt], [response])[0]);
        Assert.NotNull(((ITaskEnvironment)environment).Generator);
    }

    [Fact]
    public void PromptFilesGetTheChatTemplateAndLongPromptsLoseTheirOldestTokens()
    {
        TinyBpeFolder.Write(folder);
        var tokenizer = TokenizerFiles.Load(folder);
        string path = Path.Combine(folder, "prompts.jsonl");
        File.WriteAllLines(path, [
            """{"prompt": "hello"}""",
            """{"prompt": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "the hello"}]}""",
        ]);
        var template = TokenizerChatTemplate.For(tokenizer);
        var prompts = PromptFileEnvironment.ReadPrompts(path, tokenizer, template, maxPromptTokens: 1000);
        string first = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n";
        Assert.Equal([tokenizer.BosId, .. tokenizer.Encode(first)], prompts[0]);
        Assert.Equal("<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nthe hello<|im_end|>\n<|im_start|>assistant\n",
            TokenizerChatTemplate.For(tokenizer).RenderPrompt([new("system", "be brief"), new("user", "the hello")], "assistant"));

        var cut = PromptFileEnvironment.ReadPrompts(path, tokenizer, template, maxPromptTokens: 5);
        Assert.Equal([tokenizer.BosId, .. prompts[0][^4..]], cut[0]);
        var plain = PromptFileEnvironment.ReadPrompts(path, tokenizer, template: null, maxPromptTokens: 1000);
        Assert.Equal([tokenizer.BosId, .. tokenizer.Encode("hello")], plain[0]);
    }

    [Fact]
    public void ChatResponsesAreWhatTheTemplateAddsWithoutTheEndOfTurnToken()
    {
        TinyBpeFolder.Write(folder);
        var tokenizer = TokenizerFiles.Load(folder);
        var template = TokenizerChatTemplate.For(tokenizer);
        Assert.Equal("hello there", template.RenderResponse([new("user", "hi")], [new("assistant", "hello there")]));
        Assert.IsType<RoleColonChatTemplate>(TokenizerChatTemplate.For(tokenizer, useTemplate: false));
    }

    [Fact]
    public void TrainPromptsAreDeterministicInSeedAndStepAndCoverEveryPromptEachPass()
    {
        int[][] train = Enumerable.Range(0, 10).Select(i => new[] { 1, i }).ToArray();
        using var environment = new PromptFileEnvironment("test", new ByteTokenizer(), train, [[1, 2]], () => throw new InvalidOperationException("not loaded"));
        Assert.Equal(environment.TrainPrompts(4, 7, 3), environment.TrainPrompts(4, 7, 3));
        Assert.NotEqual(environment.TrainPrompts(4, 7, 1), environment.TrainPrompts(4, 8, 1));
        var firstPass = Enumerable.Range(1, 5).SelectMany(step => environment.TrainPrompts(2, 7, step)).Select(p => p[1]).ToArray();
        Assert.Equal(Enumerable.Range(0, 10), firstPass.Order());
        Assert.Equal(12, environment.TrainPrompts(12, 7, 1).Length);
    }

    [Fact]
    public void RewardModelJudgeScoresLikeTheGoldModelWhenTokenizersMatch()
    {
        var tokenizer = new ByteTokenizer();
        using var gold = new RewardModels.TrainedRewardModel([RewardModels.RewardModelBase.Fresh(TinyRewardSetup.Config(), "linear", 5)], tokenizer);
        var judge = new RewardModelJudge(gold, tokenizer);
        Assert.True(judge.SharesTokenizer);
        int[][] prompts = [Tokenize.Prompt(tokenizer, "abc:")], responses = [Tokenize.Response(tokenizer, "aab")];
        Assert.Equal(gold.Score(prompts, responses), judge.Score(prompts, responses));
    }
}
