"""Page script for st.navigation (a file, so AppTest.switch_page can open it): renders ui.views.summaries."""

from ui.views import summaries

summaries.render()
