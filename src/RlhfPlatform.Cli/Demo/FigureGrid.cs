using System.Text;
using ScottPlot;

namespace RlhfPlatform.Cli.Demo;

/// <summary>Several ScottPlot panels laid out in a grid as one figure: SVG (each panel's SVG placed in a group) and PNG (a Multiplot).</summary>
public static class FigureGrid
{
    public static string Svg(IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight)
    {
        int rows = (panels.Count + columns - 1) / columns;
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{columns * panelWidth}\" height=\"{rows * panelHeight}\" " +
                   $"viewBox=\"0 0 {columns * panelWidth} {rows * panelHeight}\">\n");
        for (int i = 0; i < panels.Count; i++)
        {
            string panel = panels[i].GetSvgXml(panelWidth, panelHeight);
            int start = panel.IndexOf("<svg", StringComparison.Ordinal);
            svg.Append($"<g transform=\"translate({i % columns * panelWidth},{i / columns * panelHeight})\">")
                .Append(start > 0 ? panel[start..] : panel).Append("</g>\n");
        }
        return svg.Append("</svg>\n").ToString();
    }

    public static byte[] Png(IReadOnlyList<Plot> panels, int columns, int panelWidth, int panelHeight)
    {
        int rows = (panels.Count + columns - 1) / columns;
        var figure = new Multiplot(panels[0]);
        foreach (var panel in panels.Skip(1)) figure.AddPlot(panel);
        figure.Layout = new ScottPlot.MultiplotLayouts.Grid(rows, columns);
        return figure.Render(columns * panelWidth, rows * panelHeight).GetImageBytes(ImageFormat.Png, 100);
    }
}
