using RlhfPlatform.Modeling;
using RlhfPlatform.Modeling.Tokenization;
using RlhfPlatform.Training.Data;
using RlhfPlatform.Training.RewardModels;
using RlhfPlatform.Training.Synthetic;
using static TorchSharp.torch;

namespace RlhfPlatform.Training.Tests;

public class RewardModelLearnsTests
{
    [Fact]
    public void BradleyTerryLearnsTheGoldPreferenceWellAboveChance()
    {
        var tokenizer = new ByteTokenizer();
        var task = new LengthTask(targetLength: 8);
        var (train, _) = task.PreferencePairs(600, 0.0, seed: 1);
        var (heldOut, _) = task.PreferencePairs(200, 0.0, seed: 2);
        manual_seed(1);
        using var model = new RewardModel(ModelConfig.Small(tokenizer.VocabSize, 32, 1, 2, 32, tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        using var trainer = new RewardModelTrainer(model, train.Select(p => Tokenize.Pair(tokenizer, p)).ToArray(),
            new RewardModelOptions(Epochs: 3, BatchSize: 32, LearningRate: 2e-3), seed: 1);
        while (!trainer.IsDone) trainer.Step();
        double accuracy = RewardScoring.Accuracy(model, heldOut.Select(p => Tokenize.Pair(tokenizer, p)).ToArray());
        Assert.True(accuracy > 0.75, $"held-out accuracy {accuracy:F3}");
    }
}
