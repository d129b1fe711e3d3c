"""队伍建设: the registers about the people who lead and do party work (民主生活会, 中心组学习, 党务干部与培训,
党建实绩与问责), one tab each."""
